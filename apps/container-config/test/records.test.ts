import { fileURLToPath } from "node:url";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkHealth, createLogger, startService } from "@slipway/grpc-kit";
import { generateRandomId } from "@slipway/docker-spec";
import type { containerconfig } from "@slipway/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { commitRequest, createViaSlipway, holdPrepared, prepareRequest, RecordStream } from "./flow.js";
import { startHarness, tempSocket, type Harness } from "./harness.js";

const GOLDEN = fileURLToPath(new URL("../../../tools/golden/dockerd-20.10", import.meta.url));
const IMAGE_ID = "sha256:69820369cc29c61948614566de4261af7c96e7a0bde264896cef70461df98643";
const ID_A = `aaaa1${"0".repeat(59)}`;
const ID_B = `aaaa2${"0".repeat(59)}`;
const ID_C = `bbbb${"1".repeat(60)}`;

let h: Harness;
let imageConfig: Buffer;

async function create(id: string, name: string, created: string, body: object = { Image: "golden:1", Labels: { tier: "web" } }) {
  const out = await createViaSlipway(h.client, { body: JSON.stringify(body), imageConfig, imageId: IMAGE_ID, id, name, created });
  expect(out).toMatchObject({ ok: true });
}

beforeAll(async () => {
  imageConfig = await readFile(join(GOLDEN, "image/imagedb_raw/imagedb/content/sha256", IMAGE_ID.slice(7)));
  h = await startHarness();
  await create(ID_A, "demo", "2026-11-28T06:00:00.1Z");
  await create(ID_B, "other", "2026-11-28T06:00:00.12Z", { Image: "golden:1", Cmd: ["/bin/echo", "a b"] });
  await create(ID_C, "third", "2026-11-28T06:00:01Z");
});
afterAll(() => h.stop());

describe("GetContainer", () => {
  it("finds a container by full ID, unique prefix, and name with or without the slash", async () => {
    for (const key of [ID_C, "bbbb", "third", "/third"]) {
      const { container } = await h.client.getContainer({ idOrName: key });
      expect(container).toMatchObject({ id: ID_C, names: ["/third"] });
      expect(JSON.parse(container!.configV2Json.toString())).toMatchObject({ ID: ID_C, Name: "/third" });
      expect(JSON.parse(container!.hostConfigJson.toString())).toMatchObject({ NetworkMode: "default" });
    }
  });

  it("answers dockerd's errors for an ambiguous prefix and an unknown container", async () => {
    await expect(h.client.getContainer({ idOrName: "aaaa" })).rejects.toMatchObject({
      kind: "internal",
      message: "Multiple IDs found with provided prefix: aaaa",
    });
    await expect(h.client.getContainer({ idOrName: "nope" })).rejects.toMatchObject({ kind: "not_found", message: "No such container: nope" });
  });
});

describe("ListContainers", () => {
  const ids = async (request: { filters?: Readonly<Record<string, readonly string[]>>; all?: boolean; limit?: number }) => {
    const filters = Object.fromEntries(Object.entries(request.filters ?? {}).map(([k, values]) => [k, { values: [...values] }]));
    const { containers } = await h.client.listContainers({ filters, all: request.all ?? true, limit: request.limit ?? 0 });
    return containers.map((c) => c.id);
  };

  it("lists created containers newest first with the fields of GET /containers/json", async () => {
    expect(await ids({ all: false })).toEqual([]);
    expect(await ids({})).toEqual([ID_C, ID_B, ID_A]);
    const { containers } = await h.client.listContainers({ filters: { name: { values: ["^other$"] } }, all: true, limit: 0 });
    expect(containers).toEqual([
      {
        id: ID_B,
        names: ["/other"],
        image: "golden:1",
        imageId: IMAGE_ID,
        command: "/bin/echo 'a b'",
        created: 1795845600,
        state: "created",
        status: "Created",
        ports: [],
        labels: { "org.example.name": "golden", "org.example.version": "1.0" },
        mounts: [
          {
            type: "volume",
            name: expect.stringMatching(/^[0-9a-f]{64}$/),
            source: "",
            destination: "/data",
            driver: "local",
            mode: "",
            rw: true,
            propagation: "",
          },
        ],
        networkMode: "default",
        networksJson: Buffer.from(
          '{"bridge":{"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"","DriverOpts":null}}',
        ),
      },
    ]);
  });

  it("streams the same list as the Engine API's JSON array, and refuses a bad filter before any chunk", async () => {
    const chunks: Buffer[] = [];
    for await (const { chunk } of h.client.listContainersJson({ query: { filters: {}, all: true, limit: 0 } })) chunks.push(chunk);
    const rows = JSON.parse(Buffer.concat(chunks).toString()) as { Id: string; Names: string[] }[];
    expect(rows.map((r) => [r.Id, r.Names])).toEqual([
      [ID_C, ["/third"]],
      [ID_B, ["/other"]],
      [ID_A, ["/demo"]],
    ]);
    const bad = async () => {
      for await (const _ of h.client.listContainersJson({ query: { filters: { colour: { values: ["red"] } }, all: true, limit: 0 } })) void _;
    };
    await expect(bad()).rejects.toMatchObject({ kind: "invalid_argument" });
  });

  it("shows and filters by the images the caller resolved: the distinct pairs, stale references, ancestor image IDs", async () => {
    expect(await h.client.listImageReferences({})).toEqual({ references: [{ reference: "golden:1", imageId: IMAGE_ID }] });
    const list = (resolvedImages: containerconfig.ResolvedImages, filters: Record<string, { values: string[] }> = {}) =>
      h.client.listContainers({ filters, all: true, limit: 0, resolvedImages }).then(({ containers }) => containers.map((c) => c.image));
    const stale = [{ reference: "golden:1", imageId: IMAGE_ID }];
    expect(await list({ staleReferences: stale })).toEqual([IMAGE_ID, IMAGE_ID, IMAGE_ID]);
    expect(await list({ staleReferences: [{ reference: "golden:1", imageId: "sha256:other" }] })).toEqual(["golden:1", "golden:1", "golden:1"]);
    const ancestor = { ancestor: { values: ["golden:1"] } };
    expect(await list({ staleReferences: [], ancestorImageIds: { values: [IMAGE_ID] } }, ancestor)).toHaveLength(3);
    expect(await list({ staleReferences: [], ancestorImageIds: { values: [] } }, ancestor)).toEqual([]);
    await expect(ids({ filters: { ancestor: ["golden:1"] } })).rejects.toMatchObject({ kind: "invalid_argument" });
  });

  it("applies dockerd's filters", async () => {
    expect(await ids({ filters: { name: ["th"] } })).toEqual([ID_C, ID_B]); // unanchored regexps, as dockerd: "other" too
    expect(await ids({ filters: { name: ["^third$"] } })).toEqual([ID_C]);
    expect(await ids({ filters: { id: ["aaaa"] } })).toEqual([ID_B, ID_A]);
    expect(await ids({ filters: { label: ["tier=web"] } })).toEqual([ID_C, ID_A]);
    expect(await ids({ filters: { label: ["tier=db"] } })).toEqual([]);
    expect(await ids({ filters: { status: ["created"] }, all: false })).toEqual([ID_C, ID_B, ID_A]);
    expect(await ids({ filters: { status: ["running"] } })).toEqual([]);
    expect(await ids({ filters: { before: ["third"] } })).toEqual([ID_B, ID_A]);
    expect(await ids({ filters: { since: ["demo"] } })).toEqual([ID_C, ID_B]);
    expect(await ids({ limit: 2, all: false })).toEqual([ID_C, ID_B]);
    // Ports of running containers only: no created container matches, as with dockerd 20.10.
    expect(await ids({ filters: { publish: ["80"] } })).toEqual([]);
    expect(await ids({ filters: { expose: ["9000-9002/udp"] } })).toEqual([]);
  });

  it("refuses a bad publish or expose filter with dockerd's 500 and text", async () => {
    for (const [filters, message] of [
      [{ publish: ["a:b"] }, "filter for 'publish' should not contain ':': a:b"],
      [{ publish: ["x"] }, 'error while looking up for publish x: strconv.ParseUint: parsing "x": invalid syntax'],
      [{ expose: ["70000"] }, 'error while looking up for expose 70000: strconv.ParseUint: parsing "70000": value out of range'],
      [{ publish: ["80-79"] }, "error while looking up for publish 80-79: Invalid range specified for the Port: 80-79"],
      [{ publish: [""] }, "error while looking up for publish : Empty string specified for ports."],
    ] as const) {
      await expect(ids({ filters })).rejects.toMatchObject({ kind: "internal", message });
    }
  });

  it("rejects unknown filters and status values with dockerd's message", async () => {
    await expect(ids({ filters: { bogus: ["x"] } })).rejects.toMatchObject({ kind: "invalid_argument", message: "Invalid filter 'bogus'" });
    await expect(ids({ filters: { status: ["bogus"] } })).rejects.toMatchObject({
      kind: "invalid_argument",
      message: "Invalid filter 'status=bogus'",
    });
  });
});

describe("commit", () => {
  it("needs the container prepared on its stream, refuses a committed ID and a bad timestamp, and leaves nothing behind", async () => {
    const id = generateRandomId();
    await expect(new RecordStream(h.client).send({ commit: commitRequest(id) })).rejects.toMatchObject({
      kind: "invalid_argument",
      message: "commit before prepare: prepare comes first",
    });
    await expect(holdPrepared(h.client, prepareRequest(ID_A, "again"))).rejects.toMatchObject({
      kind: "already_exists",
      message: `container ${ID_A} is already committed`,
    });
    const { stream } = await holdPrepared(h.client, prepareRequest(id, "late"));
    await expect(stream.send({ commit: commitRequest(id, "yesterday") })).rejects.toMatchObject({ kind: "invalid_argument" });
    expect((await readdir(join(h.dataRoot, "containers"))).sort()).toEqual([ID_A, ID_B, ID_C]);
    await (await holdPrepared(h.client, prepareRequest(id, "late"))).stream.abandon();
  });
});

describe("concurrent commits", () => {
  it("stores every one of 100 concurrent creates completely (one shared fsync of containers/ per batch)", async () => {
    const ids = Array.from({ length: 100 }, () => generateRandomId());
    const started = performance.now();
    await Promise.all(ids.map((id, i) => create(id, `many-${i}`, "")));
    const ms = performance.now() - started;
    console.log(`container-config: 100 concurrent prepare+commit in ${ms.toFixed(0)} ms (${(100_000 / ms).toFixed(0)}/s)`);
    const dirs = await readdir(join(h.dataRoot, "containers"));
    for (const id of ids) {
      expect(dirs).toContain(id);
      expect(JSON.parse(await readFile(join(h.dataRoot, "containers", id, "config.v2.json"), "utf8"))).toMatchObject({ ID: id });
    }
    await Promise.all(ids.map((id) => h.client.deleteContainer({ idOrName: id })));
    expect((await readdir(join(h.dataRoot, "containers"))).sort()).toEqual([ID_A, ID_B, ID_C]);
  });
});

describe("DeleteContainer", () => {
  it("removes the record and frees its names", async () => {
    const id = generateRandomId();
    await create(id, "doomed", "2026-11-28T07:00:00Z");
    const { container } = await h.client.deleteContainer({ idOrName: "doomed" });
    expect(container).toMatchObject({ id, names: ["/doomed"] });
    expect(await readdir(join(h.dataRoot, "containers"))).not.toContain(id);
    await expect(h.client.getContainer({ idOrName: id })).rejects.toMatchObject({ kind: "not_found" });
    const next = await holdPrepared(h.client, prepareRequest(generateRandomId(), "doomed"));
    expect(next.prepared).toMatchObject({ name: "/doomed" });
    await next.stream.abandon();
  });

  it("answers a lookup or a second removal racing a removal in dockerd's words, never with a file error", async () => {
    for (let round = 0; round < 20; round++) {
      await create(generateRandomId(), "raced", "2026-11-28T07:00:00Z");
      const [removal, lookup, second] = await Promise.allSettled([
        h.client.deleteContainer({ idOrName: "raced" }),
        h.client.getContainer({ idOrName: "raced" }),
        h.client.deleteContainer({ idOrName: "raced" }),
      ]);
      expect(removal.status).toBe("fulfilled");
      if (lookup.status === "rejected") expect(lookup.reason).toMatchObject({ kind: "not_found", message: "No such container: raced" });
      if (second.status === "rejected") {
        expect([
          { kind: "failed_precondition", message: "removal of container raced is already in progress" },
          { kind: "not_found", message: "No such container: raced" },
        ]).toContainEqual({ kind: (second.reason as { kind: string }).kind, message: (second.reason as Error).message });
      }
    }
  });
});

describe("GetContainer's and DeleteContainer's volumes in use", () => {
  const volumesOf = (configV2Json: Buffer) =>
    Object.values(JSON.parse(configV2Json.toString()).MountPoints as Record<string, { Name: string }>)
      .map((m) => m.Name)
      .sort();

  it("names the removed container's volumes that other records still mount (VolumesFrom, a named volume), and only those", async () => {
    const [source, copier] = [generateRandomId(), generateRandomId()];
    await create(source, "vol-source", "2026-11-28T08:00:00Z", { Image: "golden:1", HostConfig: { Binds: ["shared:/shared"] } });
    await create(copier, "vol-copier", "2026-11-28T08:00:01Z", { Image: "golden:1", HostConfig: { VolumesFrom: ["vol-source"] } });
    const sourceVolumes = volumesOf((await h.client.getContainer({ idOrName: source })).container!.configV2Json);
    expect(sourceVolumes).toHaveLength(2);
    expect(sourceVolumes).toContain("shared");
    expect((await h.client.getContainer({ idOrName: "vol-source" })).volumesInUse.sort()).toEqual(sourceVolumes);
    expect((await h.client.getContainer({ idOrName: "vol-copier" })).volumesInUse.sort()).toEqual(sourceVolumes);

    const first = await h.client.deleteContainer({ idOrName: "vol-source" });
    expect(first.volumesInUse.sort()).toEqual(sourceVolumes);
    const second = await h.client.deleteContainer({ idOrName: "vol-copier" });
    expect(volumesOf(second.container!.configV2Json)).toEqual(sourceVolumes);
    expect(second.volumesInUse).toEqual([]);
  });

  it("names none for a container whose volumes no other record mounts", async () => {
    const alone = generateRandomId();
    await create(alone, "vol-alone", "2026-11-28T08:00:02Z", { Image: "golden:1" });
    const { container, volumesInUse } = await h.client.getContainer({ idOrName: alone });
    expect(volumesOf(container!.configV2Json)).toHaveLength(1);
    expect(volumesInUse).toEqual([]);
    await h.client.deleteContainer({ idOrName: alone });
  });
});

describe("start-up", () => {
  it("is NOT_SERVING until the records are loaded; rebuilds names; skips and reports broken records; removes leftovers", async () => {
    const root = join(h.dataRoot, "containers");
    const broken = generateRandomId();
    await mkdir(join(root, broken));
    await writeFile(join(root, broken, "config.v2.json"), "{not json");
    await mkdir(join(root, `.tmp-${generateRandomId()}`));
    await mkdir(join(root, `.removing-${generateRandomId()}`));
    await mkdir(join(root, "not-a-container"));

    const app = createApp({ dataRoot: h.dataRoot });
    const socket = await tempSocket();
    const server = await startService({
      name: "container-config",
      bind: socket.address,
      logger: createLogger("container-config", "silent"),
      services: app.services,
    });
    try {
      expect(await checkHealth(server.address, "slipway.containerconfig.v1.ContainerConfigService")).toBe("NOT_SERVING");
      const report = await app.domain.recover();
      server.setServing();
      expect(await checkHealth(server.address, "slipway.containerconfig.v1.ContainerConfigService")).toBe("SERVING");
      expect(report.loaded).toBe(3);
      const skipped = report.skipped.map((s) => s.name);
      expect(skipped).toHaveLength(4);
      expect(skipped).toEqual(
        expect.arrayContaining([broken, "not-a-container", expect.stringMatching(/^\.removing-/), expect.stringMatching(/^\.tmp-/)]),
      );
      expect(() => app.domain.prepare(prepareRequest(generateRandomId(), "demo"))).toThrow(/is already in use by container "aaaa1/);
      expect((await readdir(root)).filter((n) => n.startsWith("."))).toEqual([]);
      expect(await readdir(root)).toContain(broken);
    } finally {
      await server.shutdown();
      await socket.remove();
    }
  });
});
