import { randomBytes } from "node:crypto";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chainIds } from "@slipway/docker-spec";
import { layerstore } from "@slipway/proto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SlipwayStack } from "../src/index.js";
import { saveGoldenImage, unpackGoldenImage, type GoldenLayers } from "./golden.js";
import { notOwnedByRoot } from "./tree.js";

// layer-store in its container, called over gRPC from the host; its files checked in the bind-mounted
// data root. It is killed in the middle of a registration: what it acknowledged must survive, and
// the half-received layer must leave nothing behind.

let stack: SlipwayStack;
let workDir: string;
let golden: GoldenLayers;
let chains: string[];
const containerId = randomBytes(32).toString("hex");

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "slipway-layers-"));
  const [archive, started] = await Promise.all([saveGoldenImage(workDir), SlipwayStack.start({ image: inject("slipwayImage") })]);
  stack = started;
  golden = await unpackGoldenImage(archive, workDir);
  chains = chainIds(golden.diffIds);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function* registration(
  tar: string,
  header: Partial<layerstore.RegisterLayerHeader>,
  hold?: Promise<void>,
): AsyncGenerator<layerstore.RegisterLayerRequest> {
  yield { header: layerstore.RegisterLayerHeader.create(header) };
  const bytes = readFileSync(tar);
  for (let offset = 0; offset < bytes.length; offset += 65536) {
    yield { chunk: bytes.subarray(offset, offset + 65536) };
    if (hold) await hold; // a client stalled mid-stream
  }
}

/** Registering layers is image-store's part of layer-store's access policy; the default client calls as the orchestrator. */
const registrar = () => stack.clientsAs("image-store").layerStore;

const layerdb = (...path: string[]) => join(stack.dataRoot, "image/overlay2/layerdb", ...path);

describe("layer-store in its container", () => {
  it("registers golden:1's layers and lays them out in the shared data root like dockerd", async () => {
    for (const [i, tar] of golden.layerTars.entries()) {
      const { layer } = await registrar().registerLayer(
        registration(tar, { parentChainId: chains[i - 1] ?? "", expectedDiffId: golden.diffIds[i]!, holder: "e2e" }),
      );
      expect(layer).toMatchObject({ chainId: chains[i], diffId: golden.diffIds[i] });
      expect(readFileSync(layerdb("sha256", chains[i]!.slice(7), "cache-id"), "utf8")).toBe(layer!.cacheId);
    }
    const topCacheId = readFileSync(layerdb("sha256", chains[3]!.slice(7), "cache-id"), "utf8");
    expect(readFileSync(join(stack.dataRoot, "overlay2", topCacheId, "diff/srv/app/built.txt"), "utf8")).toBe("built\n");
  });

  it("creates a container's init and mount layers on top of them", async () => {
    await stack.clients.layerStore.createContainerLayers({
      containerId,
      parentChainId: chains[3]!,
      workingDir: "/srv/app",
      volumes: [],
      storageOpt: {},
      leaseId: "",
    });
    const { rwLayer } = await stack.clients.layerStore.getRwLayer({ containerId });
    expect(readFileSync(layerdb("mounts", containerId, "mount-id"), "utf8")).toBe(rwLayer!.mountId);
    expect(readFileSync(layerdb("mounts", containerId, "parent"), "utf8")).toBe(chains[3]);
    expect(lstatSync(join(stack.dataRoot, "overlay2", `${rwLayer!.mountId}-init`, "diff/.dockerenv")).isFile()).toBe(true);
  });

  it("killed mid-registration, it keeps every acknowledged layer and leaves nothing of the half-sent one", async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    // The base layer again, but on top of the image: a new chain that is never completed.
    const partial = registrar().registerLayer(registration(golden.layerTars[0]!, { parentChainId: chains[3]! }, hold));
    const outcome = partial.then(
      () => "acknowledged",
      () => "failed",
    );
    await stack.restart("layer-store");
    release();
    expect(await outcome).toBe("failed");

    for (const chainId of chains) expect((await stack.clients.layerStore.getLayer({ chainId })).layer?.chainId).toBe(chainId);
    const { rwLayer } = await stack.clients.layerStore.getRwLayer({ containerId });
    const known = new Set(["l", ...chains.map((c) => readFileSync(layerdb("sha256", c.slice(7), "cache-id"), "utf8"))]);
    known.add(rwLayer!.mountId).add(`${rwLayer!.mountId}-init`);
    expect(readdirSync(join(stack.dataRoot, "overlay2")).filter((dir) => !known.has(dir))).toEqual([]);
    expect(readdirSync(layerdb("sha256")).sort()).toEqual(chains.map((c) => c.slice(7)).sort());
  });

  it("everything it wrote is root:root", () => {
    expect(notOwnedByRoot(stack.dataRoot)).toEqual([]);
  });
});
