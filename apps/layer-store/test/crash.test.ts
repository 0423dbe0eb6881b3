import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createRWLayer,
  invariantViolations,
  layersRequest,
  makeLayerTar,
  registerBytes,
  spawnStore,
  tempDir,
  treeListing,
  type SpawnedStore,
} from "./helpers.js";

const CONTAINER = "a".repeat(64);
const NEW_CONTAINER = "b".repeat(64);
const ANONYMOUS = "c".repeat(64);
const BASE = makeLayerTar([
  { path: "etc", type: "dir" },
  { path: "etc/passwd", type: "file", content: "root:x:0:0\n" },
]);
const TOP = makeLayerTar([
  { path: "srv", type: "dir" },
  { path: "srv/app", type: "file", content: "app" },
]);
const NEW_LAYER = makeLayerTar([{ path: "new", type: "file", content: "new" }]);

interface Scenario {
  readonly point: string;
  run(store: SpawnedStore, chain: string[]): Promise<unknown>;
  /** Whether the operation must be visible after the restart (the kill came after its publish). */
  readonly done: boolean;
  visible(store: SpawnedStore, chain: string[]): Promise<boolean>;
}

const register = (point: string, done: boolean): Scenario => ({
  point: `register-layer:${point}`,
  done,
  run: (s, chain) => registerBytes(s.client, NEW_LAYER, { parentChainId: chain[1]!, holder: "image:new" }),
  visible: async (s) => (await s.client.listLayers({})).layers.length === 3,
});
/** A create with an anonymous volume seeded from the image and a named one, made while the RW layer is. */
const create = (point: string, done: boolean): Scenario => ({
  point: `create-rw-layer:${point}`,
  done,
  run: (s, chain) =>
    s.client.createContainerLayers(
      layersRequest(NEW_CONTAINER, chain[1]!, "/srv/new", [
        { name: ANONYMOUS, destination: "/srv", copyData: true },
        { name: "crash-named", keep: true },
      ]),
    ),
  visible: async (s) => (await s.client.listRwLayers({})).rwLayers.length === 2,
});
const releaseRw = (point: string): Scenario => ({
  point: `release-rw-layer:${point}`,
  done: true,
  run: (s) => s.client.releaseRwLayer({ containerId: CONTAINER }),
  visible: async (s) => (await s.client.listRwLayers({})).rwLayers.length === 0,
});
const releaseLayer: Scenario = {
  point: "release-layer:after-unpublish",
  done: true,
  run: (s, chain) => s.client.releaseLayer({ chainId: chain[1]!, holder: "image:solo" }),
  visible: async (s) => (await s.client.listLayers({})).layers.length === 1,
};

const SCENARIOS: Scenario[] = [
  register("after-extract", false),
  register("after-layer-dir", false),
  register("before-publish", false),
  register("after-publish", true),
  create("after-init-layer", false),
  create("after-mount-layer", false),
  create("before-publish", false),
  create("after-publish", true),
  releaseRw("after-unpublish"),
  releaseRw("after-mount-layer"),
  releaseLayer,
];

describe("kill -9 at each failpoint, then restart", () => {
  let template: string;
  let chain: string[];
  beforeAll(async () => {
    template = join(tempDir("crash-template-"), "data");
    const store = await spawnStore(template);
    const base = await registerBytes(store.client, BASE, { holder: "image:base" });
    const top = await registerBytes(store.client, TOP, { parentChainId: base.layer!.chainId, holder: "image:base" });
    chain = [base.layer!.chainId, top.layer!.chainId];
    await createRWLayer(store.client, CONTAINER, chain[1]!);
    store.client.close();
    store.process.kill("SIGTERM");
    expect(await store.exited).toBe("0");
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario.point}: only complete layers and RW layers remain, nothing unnamed`, async () => {
      const root = join(tempDir("crash-"), "data");
      execFileSync("cp", ["-a", template, root]);
      if (scenario.point.startsWith("release-layer")) {
        // A layer with one holder and no users, so that the release deletes it.
        const setup = await spawnStore(root);
        await setup.client.releaseRwLayer({ containerId: CONTAINER });
        await setup.client.releaseLayer({ chainId: chain[1]!, holder: "image:base" });
        await registerBytes(setup.client, TOP, { parentChainId: chain[0]!, holder: "image:solo" });
        setup.client.close();
        setup.process.kill("SIGTERM");
        await setup.exited;
      }
      const doomed = await spawnStore(root, scenario.point);
      await expect(scenario.run(doomed, chain)).rejects.toBeDefined();
      expect(await doomed.exited).toBe("SIGKILL");
      doomed.client.close();

      const restarted = await spawnStore(root);
      try {
        expect(invariantViolations(root)).toEqual([]);
        expect(await scenario.visible(restarted, chain)).toBe(scenario.done);
        expect(readdirSync(join(root, "image/overlay2/layerdb/tmp"))).toEqual([]);
        // Each volume is whole or absent; an anonymous one left behind is provisional, for the reconciler.
        const { volumes } = await restarted.client.listVolumes({ names: [] });
        for (const volume of volumes) expect(volume.kept).toBe(volume.name !== ANONYMOUS);
        const anonymous = volumes.find((v) => v.name === ANONYMOUS);
        if (anonymous) expect(treeListing(anonymous.mountpoint)).toEqual(["drwxr-xr-x 0:0 - . -> ", "-rw-r--r-- 0:0 3 app -> "]);
      } finally {
        restarted.client.close();
        restarted.process.kill("SIGTERM");
        await restarted.exited;
      }
    });
  }
});
