import { mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { status } from "@grpc/grpc-js";
import { createClient, type ServiceDefinition } from "@slipway/grpc-kit";
import { containerconfig, layerstore } from "@slipway/proto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { grpcError, startFaultProxy, type Hook } from "./fault-proxy.js";
import { goldenArchive } from "./golden-image.js";
import { loadArchive, removeAllContainers, startOrchestrator, topChainIdOf, type RunningOrchestrator } from "./orchestrator-harness.js";
import { StoreProcesses } from "./store-processes.js";
import { treeOf } from "./tree.js";

// The body the docker CLI 28.2.2 sends for `docker create -it --name demo golden:1` (captured).
const IT_BODY = readFileSync(new URL("./fixtures/create-it-demo.json", import.meta.url));
// What dockerd 20.10 wrote for that command (tools/golden/dockerd-20.10/demo).
const GOLDEN = new URL("./fixtures/golden-demo/", import.meta.url).pathname;
const createRequest = (name: string) => ({ name, createRequestJson: IT_BODY, apiVersion: "1.41" });
const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);

/** config.v2.json with its instance values (IDs, hostname, time, image ID, volume name) replaced by placeholders. */
function withPlaceholders(configV2Json: string): string {
  const c = JSON.parse(configV2Json);
  const values = { "<ID>": c.ID, "<HOST>": c.Config.Hostname, "<CREATED>": c.Created, "<IMAGE>": c.Image, "<VOLUME>": c.MountPoints["/data"].Name };
  return Object.entries(values).reduce((text, [placeholder, value]) => text.split(value).join(placeholder), configV2Json);
}

let stores: StoreProcesses;
let orchestrator: RunningOrchestrator;
/** The data root with the golden image loaded and no container: what every failed or removed create must leave. */
let baseline: string[];
let goldenTopChainId: string;

beforeAll(async () => {
  stores = await StoreProcesses.start();
  expect(await loadArchive(stores.addresses["image-store"], goldenArchive())).toContain("Loaded image: golden:1");
  orchestrator = await startOrchestrator(stores.addresses);
  // One create and remove first: creating a child writes `committed` into the image's top layer for good.
  const { id } = await orchestrator.client.createContainer(createRequest("warmup"));
  await orchestrator.client.removeContainer({ idOrName: id, removeVolumes: true, force: false });
  // And one volume: `docker volume create` makes dockerd's volumes/metadata.db, which outlives its volumes.
  await orchestrator.client.createVolume({ name: "warmup", driver: "", driverOpts: {}, labels: {} });
  await orchestrator.client.removeVolume({ name: "warmup", force: false });
  baseline = treeOf(stores.dataRoot);
  goldenTopChainId = await topChainIdOf(stores.addresses["image-store"], "golden:1");
}, 120_000);

afterEach(() => removeAllContainers(orchestrator.client), 60_000);

afterAll(async () => {
  await orchestrator?.stop();
  await stores?.stop();
});

describe("CreateContainer with the real stores", () => {
  it("writes the container, its RW layer and its anonymous volume, and inspect shows them", async () => {
    const { id, warnings } = await orchestrator.client.createContainer(createRequest("demo"));
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    expect(warnings).toEqual([]);
    const root = stores.dataRoot;
    const containerDir = join(root, "containers", id);
    expect([mode(containerDir), mode(join(containerDir, "config.v2.json")), mode(join(containerDir, "checkpoints"))]).toEqual(["710", "600", "700"]);
    const mounts = join(root, "image/overlay2/layerdb/mounts", id);
    const mountId = readFileSync(join(mounts, "mount-id"), "utf8");
    expect(readFileSync(join(mounts, "init-id"), "utf8")).toBe(`${mountId}-init`);
    expect(readFileSync(join(mounts, "parent"), "utf8")).toBe(goldenTopChainId);

    const inspect = JSON.parse((await orchestrator.client.inspectContainer({ idOrName: "demo", size: false })).inspectJson.toString());
    expect(Object.keys(inspect)).toEqual([
      "Id",
      "Created",
      "Path",
      "Args",
      "State",
      "Image",
      "ResolvConfPath",
      "HostnamePath",
      "HostsPath",
      "LogPath",
      "Name",
      "RestartCount",
      "Driver",
      "Platform",
      "MountLabel",
      "ProcessLabel",
      "AppArmorProfile",
      "ExecIDs",
      "HostConfig",
      "GraphDriver",
      "Mounts",
      "Config",
      "NetworkSettings",
    ]);
    expect(inspect).toMatchObject({
      Id: id,
      Name: "/demo",
      Path: "/bin/sh",
      State: { Status: "created" },
      Config: { Hostname: id.slice(0, 12), Image: "golden:1" },
    });
    expect(inspect.GraphDriver.Data.UpperDir).toBe(join(root, "overlay2", mountId, "diff"));
    // overlay2's GetMetadata: the mount layer's `lower` links resolved, the init layer's diff/ first.
    const lowerLinks = readFileSync(join(root, "overlay2", mountId, "lower"), "utf8").split(":");
    const lowerDirs = lowerLinks.map((link) => resolve(join(root, "overlay2", "l"), readlinkSync(join(root, "overlay2", link))));
    expect(lowerDirs[0]).toBe(join(root, "overlay2", `${mountId}-init`, "diff"));
    expect(inspect.GraphDriver.Data.LowerDir).toBe(lowerDirs.join(":"));
    expect(inspect.Mounts).toHaveLength(1);
    expect(inspect.Mounts[0]).toMatchObject({ Type: "volume", Destination: "/data", RW: true });
    expect(statSync(inspect.Mounts[0].Source).isDirectory()).toBe(true);

    const { containers } = await orchestrator.client.listContainers({ query: { filters: {}, all: true, limit: 0 } });
    expect(containers.map((c) => c.names)).toEqual([["/demo"]]);

    await orchestrator.client.removeContainer({ idOrName: "demo", removeVolumes: true, force: false });
    expect(treeOf(root)).toEqual(baseline);
  });

  it("writes config.v2.json and hostconfig.json equal to dockerd's, IDs, names of volumes and times aside", async () => {
    const { id } = await orchestrator.client.createContainer(createRequest("demo"));
    const dir = join(stores.dataRoot, "containers", id);
    const ours = readFileSync(join(dir, "config.v2.json"), "utf8");
    const theirs = readFileSync(join(GOLDEN, "config.v2.json"), "utf8");
    expect(JSON.parse(ours).Created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    expect(withPlaceholders(ours)).toBe(withPlaceholders(theirs));
    expect(readFileSync(join(dir, "hostconfig.json"), "utf8")).toBe(readFileSync(join(GOLDEN, "hostconfig.json"), "utf8"));
  });

  it("answers NOT_FOUND for an unknown image and an unknown container, changing nothing", async () => {
    const body = Buffer.from(JSON.stringify({ ...JSON.parse(IT_BODY.toString()), Image: "nosuch:1" }));
    await expect(orchestrator.client.createContainer({ name: "x1", createRequestJson: body, apiVersion: "1.41" })).rejects.toMatchObject({
      kind: "not_found",
      message: "No such image: nosuch:1",
    });
    await expect(orchestrator.client.removeContainer({ idOrName: "nosuch", removeVolumes: false, force: false })).rejects.toMatchObject({
      kind: "not_found",
      message: "No such container: nosuch",
    });
    await expect(orchestrator.client.inspectContainer({ idOrName: "nosuch", size: false })).rejects.toMatchObject({ kind: "not_found" });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });

  it("reads the body as dockerd's Go decoder does: its errors as container-config words them, the last of keys differing in case, trailing content ignored", async () => {
    const create = (body: string) => orchestrator.client.createContainer({ name: "", createRequestJson: Buffer.from(body), apiVersion: "1.41" });
    // dockerd 20.10 answers these with 500, 500 and 404.
    await expect(create("[1]")).rejects.toMatchObject({
      kind: "internal",
      message: "json: cannot unmarshal array into Go value of type runconfig.ContainerConfigWrapper",
    });
    await expect(create("{")).rejects.toMatchObject({ kind: "internal", message: "unexpected EOF" });
    await expect(create('{"Image":"golden:1","image":"slipway-nosuch:2"}')).rejects.toMatchObject({
      kind: "not_found",
      message: "No such image: slipway-nosuch:2",
    });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
    const { id } = await create('{"image":"slipway-nosuch:2","Image":"golden:1"} trailing');
    await orchestrator.client.removeContainer({ idOrName: id, removeVolumes: true, force: false });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });

  it("rejects a second container with the same name with dockerd's conflict text", async () => {
    const { id } = await orchestrator.client.createContainer(createRequest("twice"));
    await expect(orchestrator.client.createContainer(createRequest("twice"))).rejects.toMatchObject({
      kind: "already_exists",
      message: `Conflict. The container name "/twice" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
    });
    await orchestrator.client.removeContainer({ idOrName: id, removeVolumes: true, force: false });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });
});

describe("rollback", () => {
  it("undoes volumes, RW layer and the prepared container when CommitContainer rejects, leaving nothing", async () => {
    const proxy = await startFaultProxy(containerconfig.ContainerConfigServiceService, stores.addresses["container-config"], {
      createContainerRecord: async (request, forward) =>
        request.commit ? Promise.reject(grpcError(status.INTERNAL, "disk full (injected)")) : forward(),
    });
    const faulty = await startOrchestrator({ ...stores.addresses, "container-config": proxy.address });
    try {
      await expect(faulty.client.createContainer(createRequest("doomed"))).rejects.toMatchObject({
        kind: "internal",
        message: "disk full (injected)",
      });
      expect(treeOf(stores.dataRoot)).toEqual(baseline);
      // The name was released: the same name works at once.
      const { id } = await orchestrator.client.createContainer(createRequest("doomed"));
      await orchestrator.client.removeContainer({ idOrName: id, removeVolumes: true, force: false });
    } finally {
      await faulty.stop();
      await proxy.close();
    }
  });
});

describe("concurrency", () => {
  it("creates 100 containers with distinct names at once, and removes them all", async () => {
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => orchestrator.client.createContainer(createRequest(`many-${i}`))));
    expect(new Set(results.map((r) => r.id)).size).toBe(100);
    const { containers } = await orchestrator.client.listContainers({ query: { filters: {}, all: true, limit: 0 } });
    expect(containers).toHaveLength(100);
    await Promise.all(results.map(({ id }) => orchestrator.client.removeContainer({ idOrName: id, removeVolumes: true, force: false })));
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  }, 120_000);

  it("lets exactly one of 50 concurrent creates of one name win; the 49 others conflict and leave nothing", async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => orchestrator.client.createContainer(createRequest("contended"))));
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost.map((o) => o.reason.kind)).toEqual(Array(49).fill("already_exists"));
    await orchestrator.client.removeContainer({ idOrName: "contended", removeVolumes: true, force: false });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  }, 120_000);
});

describe("named volumes (-v name:/path, --mount type=volume)", () => {
  const createWith = (name: string, hostConfig: object) =>
    orchestrator.client.createContainer({
      name,
      createRequestJson: Buffer.from(JSON.stringify({ Image: "golden:1", HostConfig: hostConfig })),
      apiVersion: "1.41",
    });
  const mountPointsOf = (id: string) => JSON.parse(readFileSync(join(stores.dataRoot, "containers", id, "config.v2.json"), "utf8")).MountPoints;

  it("creates a named volume once, seeded like an anonymous one, shares it, and keeps it through rm -v and the reconciler", async () => {
    // A 64-hex name, like an anonymous volume's: only being named keeps it from the reconciler.
    const name = "9".repeat(64);
    const data = join(stores.dataRoot, "volumes", name, "_data");
    const first = await createWith("vol-a", { Binds: [`${name}:/data`] });
    const anonymous = await createWith("vol-anon", {});
    expect(treeOf(data)).toEqual(treeOf(join(stores.dataRoot, "volumes", mountPointsOf(anonymous.id)["/data"].Name, "_data")));
    expect(mountPointsOf(first.id)["/data"]).toEqual({
      Source: data,
      Destination: "/data",
      RW: true,
      Name: name,
      Driver: "local",
      Type: "volume",
      Relabel: "z",
      Spec: { Type: "volume", Source: name, Target: "/data" },
      SkipMountpointCreation: false,
    });
    writeFileSync(join(data, "user-file"), "kept", { mode: 0o644 });
    const second = await createWith("vol-b", { Mounts: [{ Type: "volume", Source: name, Target: "/srv", ReadOnly: true }] });
    expect(mountPointsOf(second.id)["/srv"]).toMatchObject({ Source: data, Name: name, RW: false, Relabel: "z" });
    const inspect = JSON.parse((await orchestrator.client.inspectContainer({ idOrName: "vol-b", size: false })).inspectJson.toString());
    expect(inspect.Mounts).toContainEqual(expect.objectContaining({ Type: "volume", Name: name, Source: data, Destination: "/srv", RW: false }));
    const seeded = treeOf(data);
    expect(seeded).toContain("user-file f 0644 4");

    for (const id of ["vol-a", "vol-b", "vol-anon"]) await orchestrator.client.removeContainer({ idOrName: id, removeVolumes: true, force: false });
    const prompt = await startOrchestrator(stores.addresses, { SLIPWAY_RECONCILE_GRACE_SECONDS: "0" });
    try {
      expect(await prompt.client.getReconcilerStatus({})).toMatchObject({ runs: 1, removedVolumes: 0, lastError: "" });
    } finally {
      await prompt.stop();
    }
    expect(treeOf(data)).toEqual(seeded);
    const layers = createClient(layerstore.LayerStoreServiceService, stores.addresses["layer-store"], { name: "layer-store" });
    try {
      expect((await layers.listVolumes({ names: [name] })).volumes).toEqual([expect.objectContaining({ name, kept: true })]);
      await layers.removeVolume({ name, measureSize: false });
    } finally {
      layers.close();
    }
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });

  it("answers a bad volume name with dockerd's 400 text and an unknown driver with its 404, leaving nothing", async () => {
    await expect(createWith("bad-vol", { Binds: ["bad$:/x"] })).rejects.toMatchObject({
      kind: "invalid_argument",
      message:
        'create bad$: "bad$" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
    // The Binds volume fails first, as in dockerd; the image's anonymous /data volume (same driver) is undone too.
    await expect(createWith("bad-vol", { VolumeDriver: "foo", Binds: ["x1:/x"] })).rejects.toMatchObject({
      kind: "not_found",
      message: 'create x1: error looking up volume plugin foo: plugin "foo" not found',
    });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
    const { id } = await createWith("bad-vol", {});
    await orchestrator.client.removeContainer({ idOrName: id, removeVolumes: true, force: false });
  });
});

describe("VolumesFrom", () => {
  it("mounts another container's volumes; rm -v of either keeps a volume the other still mounts, the last one removes it", async () => {
    const createWith = (name: string, hostConfig: object) =>
      orchestrator.client.createContainer({
        name,
        createRequestJson: Buffer.from(JSON.stringify({ Image: "golden:1", HostConfig: hostConfig })),
        apiVersion: "1.41",
      });
    const source = await createWith("vf-source", {});
    const sourcePoints = JSON.parse(readFileSync(join(stores.dataRoot, "containers", source.id, "config.v2.json"), "utf8")).MountPoints;
    const volume = sourcePoints["/data"].Name as string;
    const user = await createWith("vf-user", { VolumesFrom: ["vf-source:ro"] });
    const userPoints = JSON.parse(readFileSync(join(stores.dataRoot, "containers", user.id, "config.v2.json"), "utf8")).MountPoints;
    expect(userPoints).toEqual({ "/data": { ...sourcePoints["/data"], RW: false } });
    const volumeDir = join(stores.dataRoot, "volumes", volume);
    await orchestrator.client.removeContainer({ idOrName: "vf-source", removeVolumes: true, force: false });
    expect(statSync(volumeDir).isDirectory()).toBe(true);
    await expect(createWith("vf-orphan", { VolumesFrom: ["vf-source"] })).rejects.toMatchObject({
      kind: "invalid_argument",
      message: "No such container: vf-source",
    });
    await orchestrator.client.removeContainer({ idOrName: "vf-user", removeVolumes: true, force: false });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });
});

/**
 * Creates `name` through an orchestrator whose CommitContainer waits: while it waits (the create has its
 * volumes, no container record names them yet), runs `during` against that orchestrator, then lets the
 * commit through and expects the create to succeed.
 */
async function whileCommitHeld(body: object, name: string, during: (racing: RunningOrchestrator) => Promise<void>) {
  let commitReached!: () => void;
  const reached = new Promise<void>((resolve) => (commitReached = resolve));
  let releaseCommit!: () => void;
  const released = new Promise<void>((resolve) => (releaseCommit = resolve));
  const proxy = await startFaultProxy(containerconfig.ContainerConfigServiceService, stores.addresses["container-config"], {
    createContainerRecord: async (request, forward) => {
      if (request.commit) {
        commitReached();
        await released;
      }
      return forward();
    },
  });
  const racing = await startOrchestrator({ ...stores.addresses, "container-config": proxy.address });
  try {
    const create = racing.client.createContainer({ name, createRequestJson: Buffer.from(JSON.stringify(body)), apiVersion: "1.41" });
    await reached;
    await during(racing);
    releaseCommit();
    await create;
  } finally {
    releaseCommit();
    await racing.stop();
    await proxy.close();
  }
}

describe("volumes by themselves (docker volume ls / inspect / create / rm)", () => {
  const volumes = () => orchestrator.client;
  const listed = async (filters: Record<string, string[]>) =>
    (await volumes().listVolumes({ filters: Object.fromEntries(Object.entries(filters).map(([k, values]) => [k, { values }])) })).volumes.map(
      (v) => v.name,
    );

  it("creates, finds, filters and removes volumes; refuses in use, unknown filters, labels and missing ones in dockerd's words", async () => {
    const made = (await volumes().createVolume({ name: "vol-one", driver: "", driverOpts: {}, labels: {} })).volume!;
    expect(made).toMatchObject({ name: "vol-one", driver: "local", kept: true, mountpoint: join(stores.dataRoot, "volumes/vol-one/_data") });
    expect((await volumes().createVolume({ name: "vol-one", driver: "local", driverOpts: {}, labels: {} })).volume).toEqual(made);
    const generated = (await volumes().createVolume({ name: "", driver: "", driverOpts: {}, labels: {} })).volume!.name;
    expect(generated).toMatch(/^[a-f0-9]{64}$/);
    const { id } = await orchestrator.client.createContainer({
      name: "user",
      createRequestJson: Buffer.from(JSON.stringify({ Image: "golden:1", HostConfig: { Binds: ["vol-two:/data"] } })),
      apiVersion: "1.41",
    });

    expect(await listed({})).toEqual([generated, "vol-one", "vol-two"].sort());
    expect(await listed({ name: ["^vol-t", "nomatch"] })).toEqual(["vol-two"]);
    expect(await listed({ name: ["one|two"], dangling: ["true"] })).toEqual(["vol-one"]);
    expect(await listed({ dangling: ["0"] })).toEqual(["vol-two"]);
    expect(await listed({ driver: ["local"], name: ["vol"] })).toEqual(["vol-one", "vol-two"]);
    expect(await listed({ label: ["a=b"] })).toEqual([]);
    await expect(listed({ bogus: ["x"] })).rejects.toMatchObject({ kind: "invalid_argument", message: "Invalid filter 'bogus'" });
    await expect(listed({ dangling: ["x"] })).rejects.toMatchObject({ kind: "invalid_argument", message: "Invalid filter 'dangling=[x]'" });
    expect((await volumes().inspectVolume({ name: "vol-two" })).volume).toMatchObject({ name: "vol-two", kept: true });
    await expect(volumes().inspectVolume({ name: "nosuch" })).rejects.toMatchObject({ kind: "not_found", message: "get nosuch: no such volume" });
    await volumes().createVolume({ name: "lab", driver: "", driverOpts: {}, labels: { a: "b", c: "" } });
    expect(await listed({ label: ["a=b", "c"] })).toEqual(["lab"]);
    expect(await listed({ label: ["a=c"] })).toEqual([]);
    const prune = (filters: Record<string, string[]>) =>
      volumes().pruneVolumes({ filters: Object.fromEntries(Object.entries(filters).map(([k, values]) => [k, { values }])) });
    await expect(prune({ dangling: ["true"] })).rejects.toMatchObject({ kind: "invalid_argument", message: "Invalid filter 'dangling'" });
    expect(await prune({ label: ["a"], "label!": ["c"] })).toEqual({ volumesDeleted: [], spaceReclaimed: 0 });
    expect(await prune({ label: ["a=b"] })).toEqual({ volumesDeleted: ["lab"], spaceReclaimed: 0 });

    await expect(volumes().removeVolume({ name: "vol-two", force: true })).rejects.toMatchObject({
      kind: "failed_precondition",
      message: `remove vol-two: volume is in use - [${id}]`,
    });
    await expect(volumes().removeVolume({ name: "nosuch", force: false })).rejects.toMatchObject({
      kind: "not_found",
      message: "get nosuch: no such volume",
    });
    await volumes().removeVolume({ name: "nosuch", force: true });
    await orchestrator.client.removeContainer({ idOrName: "user", removeVolumes: true, force: false });
    for (const name of ["vol-one", "vol-two", generated]) await volumes().removeVolume({ name, force: false });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });

  it("refuses to remove a named volume that a running create has already found; the container keeps its volume", async () => {
    await volumes().createVolume({ name: "raced", driver: "", driverOpts: {}, labels: {} });
    await whileCommitHeld({ Image: "golden:1", HostConfig: { Binds: ["raced:/data"] } }, "racer", async (racing) => {
      await expect(racing.client.removeVolume({ name: "raced", force: false })).rejects.toMatchObject({
        kind: "failed_precondition",
        message: expect.stringMatching(/^remove raced: volume is in use - \[[a-f0-9]{64}\]$/),
      });
    });
    expect(await listed({ name: ["^raced$"] })).toEqual(["raced"]);
    await orchestrator.client.removeContainer({ idOrName: "racer", removeVolumes: true, force: false });
    await volumes().removeVolume({ name: "raced", force: false });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });

  it("rm -v keeps an anonymous volume that a running create mounts by name", async () => {
    const owner = await orchestrator.client.createContainer({
      name: "anon-owner",
      createRequestJson: Buffer.from(JSON.stringify({ Image: "golden:1" })),
      apiVersion: "1.41",
    });
    const volume = JSON.parse(readFileSync(join(stores.dataRoot, "containers", owner.id, "config.v2.json"), "utf8")).MountPoints["/data"]
      .Name as string;
    await whileCommitHeld({ Image: "golden:1", HostConfig: { Binds: [`${volume}:/other`] } }, "anon-borrower", async (racing) => {
      await racing.client.removeContainer({ idOrName: "anon-owner", removeVolumes: true, force: false });
    });
    expect(statSync(join(stores.dataRoot, "volumes", volume, "_data")).isDirectory()).toBe(true);
    await orchestrator.client.removeContainer({ idOrName: "anon-borrower", removeVolumes: true, force: false });
    await volumes().removeVolume({ name: volume, force: false });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });
});

describe("the reconciler's grace period", () => {
  it("keeps an orphan RW layer and volume younger than the grace period, and removes them after", async () => {
    const layers = createClient(layerstore.LayerStoreServiceService, stores.addresses["layer-store"], { name: "layer-store" });
    try {
      await layers.createContainerLayers({
        containerId: "f".repeat(64),
        parentChainId: goldenTopChainId,
        workingDir: "",
        storageOpt: {},
        leaseId: "",
        volumes: [{ name: "e".repeat(64), destination: "/data", copyData: true, driver: "", keep: false, labels: {}, driverOpts: {} }],
      });
    } finally {
      layers.close();
    }
    const patient = await startOrchestrator(stores.addresses, { SLIPWAY_RECONCILE_GRACE_SECONDS: "3600" });
    try {
      expect(await patient.client.getReconcilerStatus({})).toMatchObject({ runs: 1, releasedRwLayers: 0, removedVolumes: 0, lastError: "" });
      expect(treeOf(stores.dataRoot)).not.toEqual(baseline);
    } finally {
      await patient.stop();
    }
    const prompt = await startOrchestrator(stores.addresses, { SLIPWAY_RECONCILE_GRACE_SECONDS: "0" });
    try {
      expect(await prompt.client.getReconcilerStatus({})).toMatchObject({ runs: 1, releasedRwLayers: 1, removedVolumes: 1, lastError: "" });
      expect(treeOf(stores.dataRoot)).toEqual(baseline);
    } finally {
      await prompt.stop();
    }
  });
});

describe("rm without -v", () => {
  it("keeps the anonymous volume as dockerd does: the reconciler never takes it for an orphan, rm of the volume removes it", async () => {
    const { id } = await orchestrator.client.createContainer(createRequest("keeper"));
    const inspect = JSON.parse((await orchestrator.client.inspectContainer({ idOrName: id, size: false })).inspectJson.toString());
    const volume = inspect.Mounts[0].Name as string;
    await orchestrator.client.removeContainer({ idOrName: "keeper", removeVolumes: false, force: false });
    const prompt = await startOrchestrator(stores.addresses, { SLIPWAY_RECONCILE_GRACE_SECONDS: "0" });
    try {
      expect(await prompt.client.getReconcilerStatus({})).toMatchObject({ runs: 1, removedVolumes: 0, lastError: "" });
    } finally {
      await prompt.stop();
    }
    const layers = createClient(layerstore.LayerStoreServiceService, stores.addresses["layer-store"], { name: "layer-store" });
    try {
      expect((await layers.listVolumes({ names: [] })).volumes).toEqual([expect.objectContaining({ name: volume, kept: true })]);
      await layers.removeVolume({ name: volume, measureSize: false });
    } finally {
      layers.close();
    }
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });
});

describe("volumes on a data root shared with a stock dockerd", () => {
  it("are never taken for a failed create's: a committed container's volume whose record a stock dockerd removed, and a volume dockerd made", async () => {
    const { id } = await orchestrator.client.createContainer(createRequest("adopted"));
    const volume = JSON.parse((await orchestrator.client.inspectContainer({ idOrName: id, size: false })).inspectJson.toString()).Mounts[0]
      .Name as string;
    const theirs = "d".repeat(64);
    mkdirSync(join(stores.dataRoot, "volumes", theirs, "_data"), { recursive: true });
    const layers = createClient(layerstore.LayerStoreServiceService, stores.addresses["layer-store"], { name: "layer-store" });
    const containers = createClient(containerconfig.ContainerConfigServiceService, stores.addresses["container-config"], {
      name: "container-config",
    });
    try {
      await expect.poll(async () => (await layers.listVolumes({ names: [volume] })).volumes[0]?.kept).toBe(true);
      // What `docker rm adopted` (without -v) in a stock dockerd leaves: the volume, nothing naming it.
      await layers.releaseRwLayer({ containerId: id });
      await containers.deleteContainer({ idOrName: id });
      const prompt = await startOrchestrator(stores.addresses, { SLIPWAY_RECONCILE_GRACE_SECONDS: "0" });
      try {
        expect(await prompt.client.getReconcilerStatus({})).toMatchObject({ runs: 1, removedVolumes: 0, lastError: "" });
      } finally {
        await prompt.stop();
      }
      expect((await layers.listVolumes({ names: [volume, theirs] })).volumes.map((v) => [v.name, v.kept]).sort()).toEqual(
        [
          [theirs, true],
          [volume, true],
        ].sort(),
      );
      for (const name of [volume, theirs]) await layers.removeVolume({ name, measureSize: false });
    } finally {
      layers.close();
      containers.close();
    }
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });
});

describe("a container whose RW layer is missing", () => {
  it("still inspects (empty GraphDriver data), is reported by the reconciler, and rm removes it", async () => {
    const { id } = await orchestrator.client.createContainer(createRequest("layerless"));
    const layers = createClient(layerstore.LayerStoreServiceService, stores.addresses["layer-store"], { name: "layer-store" });
    try {
      await layers.releaseRwLayer({ containerId: id });
    } finally {
      layers.close();
    }
    const inspect = JSON.parse((await orchestrator.client.inspectContainer({ idOrName: "layerless", size: false })).inspectJson.toString());
    expect(inspect.GraphDriver).toEqual({ Data: {}, Name: "overlay2" });
    const reconciling = await startOrchestrator(stores.addresses);
    try {
      expect((await reconciling.client.getReconcilerStatus({})).containersMissingRwLayer).toEqual([id]);
    } finally {
      await reconciling.stop();
    }
    await orchestrator.client.removeContainer({ idOrName: "layerless", removeVolumes: true, force: false });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  });
});

describe("a store dying in the middle of a create", () => {
  /**
   * Creates through an orchestrator whose `store` sits behind a proxy running `hook` (which kills the store),
   * expects UNAVAILABLE, restarts the store, and returns the report of a fresh reconciler pass (grace 0).
   */
  async function crashMidCreate(store: "layer-store" | "container-config", definition: ServiceDefinition, hook: Record<string, Hook>) {
    const proxy = await startFaultProxy(definition, stores.addresses[store], hook);
    const faulty = await startOrchestrator({ ...stores.addresses, [store]: proxy.address });
    try {
      await expect(faulty.client.createContainer(createRequest(`crash-${store}`))).rejects.toMatchObject({ kind: "unavailable" });
    } finally {
      await faulty.stop();
      await proxy.close();
    }
    await stores.restart(store);
    const reconciling = await startOrchestrator(stores.addresses, { SLIPWAY_RECONCILE_GRACE_SECONDS: "0" });
    try {
      return await reconciling.client.getReconcilerStatus({});
    } finally {
      await reconciling.stop();
    }
  }

  it("layer-store killed after CreateContainerLayers → UNAVAILABLE; after restart the reconciler leaves no orphan", async () => {
    const report = await crashMidCreate("layer-store", layerstore.LayerStoreServiceService, {
      createContainerLayers: async (_request, forward) => {
        await forward();
        await stores.kill("layer-store");
        throw grpcError(status.UNAVAILABLE, "connection reset (layer-store killed)");
      },
    });
    expect(report).toMatchObject({ runs: 1, releasedRwLayers: 1, lastError: "" });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  }, 120_000);

  it("container-config killed during CommitContainer → UNAVAILABLE; after restart the reconciler leaves no orphan", async () => {
    const report = await crashMidCreate("container-config", containerconfig.ContainerConfigServiceService, {
      createContainerRecord: async (request, forward) => {
        if (!request.commit) return forward();
        await stores.kill("container-config");
        throw grpcError(status.UNAVAILABLE, "connection reset (container-config killed)");
      },
    });
    expect(report).toMatchObject({ runs: 1, releasedRwLayers: 1, removedVolumes: 1, lastError: "" });
    expect(treeOf(stores.dataRoot)).toEqual(baseline);
  }, 120_000);
});
