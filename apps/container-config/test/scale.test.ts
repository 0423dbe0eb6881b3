import { fileURLToPath } from "node:url";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateRandomId } from "@slipway/docker-spec";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createViaSlipway } from "./flow.js";
import { startHarness, type Harness } from "./harness.js";

// 10,000 records on disk: start-up must load them all and list them from memory. The figures are
// printed for the record; the assertions are about behaviour, not timings.

const GOLDEN = fileURLToPath(new URL("../../../tools/golden/dockerd-20.10", import.meta.url));
const IMAGE_ID = "sha256:69820369cc29c61948614566de4261af7c96e7a0bde264896cef70461df98643";
const COUNT = 10_000;
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  const imageConfig = await readFile(join(GOLDEN, "image/imagedb_raw/imagedb/content/sha256", IMAGE_ID.slice(7)));
  const seed = generateRandomId();
  const out = await createViaSlipway(h.client, { body: '{"Image":"golden:1"}', imageConfig, imageId: IMAGE_ID, id: seed, name: "seed" });
  if (!out.ok) throw new Error(out.message);
  const root = join(h.dataRoot, "containers");
  for (let i = 0; i < COUNT; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, COUNT - i) }, async (_, j) => {
        const id = generateRandomId();
        await mkdir(join(root, id, "checkpoints"), { recursive: true });
        await writeFile(join(root, id, "config.v2.json"), out.configV2.replaceAll(seed, id).replace('"Name":"/seed"', `"Name":"/c${i + j}"`));
        await writeFile(join(root, id, "hostconfig.json"), out.hostConfig);
      }),
    );
  }
}, 120_000);
afterAll(() => h.stop(), 60_000);

it(`loads ${COUNT} records at start and lists them from memory`, async () => {
  const app = createApp({ dataRoot: h.dataRoot });
  const started = performance.now();
  const report = await app.domain.recover();
  const loadMs = performance.now() - started;
  expect(report).toEqual({ loaded: COUNT + 1, skipped: [] });
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t = performance.now();
    expect(app.domain.list({}, true, 0, { stale: new Set() })).toHaveLength(COUNT + 1);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  expect(app.domain.list({ name: ["^/c4242$"] }, true, 0, { stale: new Set() })).toHaveLength(1);
  console.log(`container-config: loaded ${COUNT + 1} records in ${loadMs.toFixed(0)} ms; list of all p50 ${times[10]!.toFixed(1)} ms`);
}, 120_000);
