import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startRegistry, type TestRegistry } from "@slipway/registry-client/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT, startSecondDockerd, type SecondDockerd } from "../src/index.js";
import { docker } from "./docker-cli.js";
import { saveGoldenImage, saveVolumeImage } from "./golden.js";

// The proof that pulled images are real: Slipway (npm start's launcher, its apps as processes on this host)
// pulls an image from a registry into a data root through the stock docker CLI and stops; a stock dockerd
// started on that data root then finds the image up to date, and the base layer another image shares with
// it already there.

const run = promisify(execFile);
let workDir: string;
let dataRoot: string;
let registry: TestRegistry;
let daemon: SecondDockerd | undefined;
/** golden:1 and slipway-e2e/volume:1 in the registry: both built FROM bb:latest, so they share its layer. */
let golden: string;
let volume: string;
let sharedLayer: string;
let goldenId: string;
let goldenDigest: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "slipway-pull-adoption-"));
  dataRoot = join(workDir, "data");
  registry = await startRegistry();
  [golden, volume] = [`${registry.host}/adoption/golden:1`, `${registry.host}/adoption/volume:1`];
  const [goldenArchive, volumeArchive] = await Promise.all([saveGoldenImage(workDir), saveVolumeImage(workDir)]);
  await copyToRegistry(goldenArchive, golden);
  await copyToRegistry(volumeArchive, volume);
  const [goldenLayers, volumeLayers] = await Promise.all([layersOf(golden), layersOf(volume)]);
  sharedLayer = goldenLayers[0]!;
  expect(goldenLayers.length).toBeGreaterThanOrEqual(2);
  expect(volumeLayers[0]).toBe(sharedLayer);

  const slipway = await startSlipway(workDir, dataRoot);
  try {
    const pulled = await docker(slipway.dockerHost, ["pull", golden]);
    expect(pulled).toContain(`Status: Downloaded newer image for ${golden}`);
    goldenDigest = /^Digest: (sha256:[0-9a-f]{64})$/m.exec(pulled)![1]!;
    goldenId = await docker(slipway.dockerHost, ["image", "inspect", "--format", "{{.Id}}", golden]);
  } finally {
    await slipway.stop();
  }
  daemon = await startSecondDockerd({ dataRoot });
}, 180_000);

afterAll(async () => {
  await daemon?.stop();
  await registry?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const stock = (...args: string[]) => docker(daemon!.dockerHost, args);

it("a stock dockerd finds the image Slipway pulled up to date, under the same ID and digest", async () => {
  const pulled = await stock("pull", golden);
  expect(pulled.split("\n").slice(0, 3)).toEqual([
    "1: Pulling from adoption/golden",
    `Digest: ${goldenDigest}`,
    `Status: Image is up to date for ${golden}`,
  ]);
  expect(await stock("image", "inspect", "--format", "{{.Id}}", golden)).toBe(goldenId);
});

it("a stock dockerd pulling another image finds the layer it shares with Slipway's pull: Already exists", async () => {
  const pulled = await stock("pull", volume);
  expect(pulled).toContain(`${sharedLayer.slice(7, 19)}: Already exists\n`);
  expect(pulled).toContain(`Status: Downloaded newer image for ${volume}`);
  expect(pulled.match(/: Already exists$/gm)).toHaveLength(1);
});

/** Puts a docker-save archive into the registry with skopeo. */
async function copyToRegistry(archive: string, destination: string): Promise<void> {
  await run("skopeo", ["--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", `docker-archive:${archive}`, `docker://${destination}`]);
}

/** The layer blob digests of an image in the registry, base first. */
async function layersOf(reference: string): Promise<string[]> {
  const { stdout } = await run("skopeo", ["inspect", "--tls-verify=false", `docker://${reference}`]);
  return (JSON.parse(stdout) as { Layers: string[] }).Layers;
}

/** `npm start`'s launcher (tools/dist/stack/main.js) on a data root and a run root of its own; stop() is Ctrl-C. */
async function startSlipway(dir: string, dataRoot: string): Promise<{ dockerHost: string; stop(): Promise<void> }> {
  const runRoot = join(dir, "run");
  const env: NodeJS.ProcessEnv = { ...process.env, SLIPWAY_DATA_ROOT: dataRoot, SLIPWAY_RUN_ROOT: runRoot };
  for (const name of Object.keys(env)) if (/^SLIPWAY_.*_(BIND|ADDR|SOCKET)$/.test(name)) delete env[name];
  const launcher = spawn(process.execPath, [join(REPO_ROOT, "tools", "dist", "stack", "main.js")], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  launcher.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  launcher.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => launcher.once("exit", () => resolve()));
  const stop = async () => {
    if (launcher.exitCode === null) launcher.kill("SIGINT");
    await exited;
  };
  const deadline = Date.now() + 60_000;
  while (!output.includes("Slipway is up")) {
    if (launcher.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`Slipway did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { dockerHost: `unix://${join(runRoot, "docker.sock")}`, stop };
}
