import { lstatSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SLIPWAY_APPS, SlipwayStack } from "../src/index.js";
import { docker } from "./docker-cli.js";
import { orphansIn } from "./flow-checks.js";
import { saveGoldenImage } from "./golden.js";
import { notOwnedByRoot } from "./tree.js";

let stack: SlipwayStack;
let workDir: string;
let goldenArchive: string;
const cli = (...args: string[]) => docker(stack.engineApi.socketUrl, args);

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "slipway-flow-"));
  [goldenArchive, stack] = await Promise.all([
    saveGoldenImage(workDir),
    SlipwayStack.start({ image: inject("slipwayImage"), env: { orchestrator: { SLIPWAY_RECONCILE_GRACE_SECONDS: "0" } } }),
  ]);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const modeOf = (path: string) => lstatSync(path).mode & 0o7777;

describe("the create path through the containers", () => {
  it("docker load through engine-api stores golden:1 in the shared data root", async () => {
    expect(await cli("load", "-i", goldenArchive)).toContain("Loaded image: golden:1");
    const imageId = await cli("image", "inspect", "--format", "{{.Id}}", "golden:1");
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const config = join(stack.dataRoot, "image/overlay2/imagedb/content/sha256", imageId.slice(7));
    expect(lstatSync(config).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(join(stack.dataRoot, "image/overlay2/repositories.json"), "utf8")).Repositories.golden).toHaveProperty(
      "golden:1",
      imageId,
    );
  });

  it("docker create -it --name demo golden:1 writes the container's files as dockerd does", async () => {
    const id = await cli("create", "-it", "--name", "demo", "golden:1");
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const dir = join(stack.dataRoot, "containers", id);
    expect(modeOf(dir)).toBe(0o710);
    expect(modeOf(join(dir, "config.v2.json"))).toBe(0o600);
    expect(modeOf(join(dir, "hostconfig.json"))).toBe(0o644);
    expect(modeOf(join(dir, "checkpoints"))).toBe(0o700);
    const config = JSON.parse(readFileSync(join(dir, "config.v2.json"), "utf8"));
    expect(config).toMatchObject({ ID: id, Name: "/demo", Driver: "overlay2", Config: { Hostname: id.slice(0, 12), Image: "golden:1" } });
    const mounts = join(stack.dataRoot, "image/overlay2/layerdb/mounts", id);
    const mountId = readFileSync(join(mounts, "mount-id"), "utf8");
    expect(readFileSync(join(mounts, "init-id"), "utf8")).toBe(`${mountId}-init`);
    expect(lstatSync(join(stack.dataRoot, "overlay2", `${mountId}-init`, "diff/.dockerenv")).isFile()).toBe(true);
    expect(lstatSync(join(stack.dataRoot, "overlay2", mountId, "diff")).isDirectory()).toBe(true);
    expect(await cli("ps", "-a", "--format", "{{.Names}} {{.Image}} {{.Status}}")).toContain("demo golden:1 Created");
  });

  it("a create through the orchestrator's gRPC API is visible to the docker CLI", async () => {
    const request = { Image: "golden:1", Env: ["FROM=grpc"] };
    const { id } = await stack.clients.orchestrator.createContainer({
      name: "via-grpc",
      createRequestJson: Buffer.from(JSON.stringify(request)),
      apiVersion: "1.41",
    });
    expect(await cli("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}")).toContain(`${id} via-grpc`);
  });
});

describe("a service killed in the middle of creates", () => {
  const acknowledged: string[] = [];

  it.each(SLIPWAY_APPS)("%s: every acknowledged create survives, and creates work again once it is back", async (app) => {
    // Creates in flight while the service is killed: through the CLI when engine-api is the victim.
    const create = (name: string) => (app === "engine-api" ? createWithCli(name) : createWithGrpc(name));
    const inFlight = Promise.allSettled([1, 2, 3].map((i) => create(`${app}-${i}`)));
    await stack.restart(app);
    for (const result of await inFlight) if (result.status === "fulfilled") acknowledged.push(result.value);
    acknowledged.push(await eventually(() => create(`${app}-after`)));
    const listed = await cli("ps", "-a", "--no-trunc", "--format", "{{.ID}}");
    for (const id of acknowledged) expect(listed).toContain(id);
  });

  it("leaves no orphan once the orchestrator has reconciled", async () => {
    await stack.restart("orchestrator", { graceful: true }); // its first reconcile pass runs before SERVING
    const ids = (await cli("ps", "-a", "--no-trunc", "--format", "{{.ID}}")).split("\n");
    for (const id of acknowledged) expect(ids).toContain(id);
    expect(orphansIn(stack.dataRoot, ids)).toEqual([]);
    expect(notOwnedByRoot(stack.dataRoot)).toEqual([]);
  });
});

async function createWithGrpc(name: string): Promise<string> {
  const request = { Image: "golden:1", Cmd: ["echo", name] };
  const body = { name, createRequestJson: Buffer.from(JSON.stringify(request)), apiVersion: "1.41" };
  return (await stack.clients.orchestrator.createContainer(body)).id;
}

function createWithCli(name: string): Promise<string> {
  return cli("create", "--name", name, "golden:1", "echo", name);
}

/** Retries until it succeeds (a client's channel may still be backing off from the outage), for up to 30 s. */
async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
