import { fileURLToPath } from "node:url";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createViaSlipway } from "./flow.js";
import { startHarness, type Harness } from "./harness.js";

const GOLDEN = fileURLToPath(new URL("../../../tools/golden/dockerd-20.10", import.meta.url));
let h: Harness;
beforeAll(async () => (h = await startHarness()));
afterAll(() => h.stop());

const mode = async (path: string) => ((await stat(path)).mode & 0o7777).toString(8);

describe("docker create -it --name demo golden:1", () => {
  it("writes config.v2.json and hostconfig.json byte for byte as dockerd 20.10 did, with dockerd's modes", async () => {
    const request = await readFile(join(GOLDEN, "api/containers-create.md"), "utf8");
    const body = request.split("\n").find((l) => l.startsWith('{"Hostname":"","Domainname":"","User":"","AttachStdin":true'))!;
    const goldenConfig = await readFile(join(GOLDEN, "demo/config.v2.json"), "utf8");
    const goldenHost = await readFile(join(GOLDEN, "demo/hostconfig.json"), "utf8");
    const golden = JSON.parse(goldenConfig) as {
      ID: string;
      Created: string;
      Image: string;
      MountPoints: Record<string, { Name: string; Source: string }>;
    };
    const imageConfig = await readFile(join(GOLDEN, "image/imagedb_raw/imagedb/content/sha256", golden.Image.slice(7)));

    const out = await createViaSlipway(h.client, {
      body,
      imageConfig,
      imageId: golden.Image,
      id: golden.ID,
      name: "demo",
      created: golden.Created,
      dockerdMountPoints: golden.MountPoints,
    });

    expect(out).toMatchObject({ ok: true, warnings: [] });
    if (!out.ok) return;
    expect(out.configV2).toBe(goldenConfig);
    expect(out.hostConfig).toBe(goldenHost);
    const dir = join(h.dataRoot, "containers", golden.ID);
    expect(await readFile(join(dir, "config.v2.json"), "utf8")).toBe(goldenConfig);
    expect(await readFile(join(dir, "hostconfig.json"), "utf8")).toBe(goldenHost);
    expect(await mode(join(h.dataRoot, "containers"))).toBe("710");
    expect(await mode(dir)).toBe("710");
    expect(await mode(join(dir, "config.v2.json"))).toBe("600");
    expect(await mode(join(dir, "hostconfig.json"))).toBe("644");
    expect(await mode(join(dir, "checkpoints"))).toBe("700");
  });
});
