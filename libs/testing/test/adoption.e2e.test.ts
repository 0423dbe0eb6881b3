import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { SlipwayStack, startSecondDockerd, type SecondDockerd } from "../src/index.js";
import { normalisedContainer } from "./container-files.js";
import { docker } from "./docker-cli.js";
import { saveGoldenImage, saveVolumeImage } from "./golden.js";

// The proof that the files are real: Slipway (in its containers) creates into a data root, Slipway
// stops, and a stock dockerd started on that data root lists, starts and removes the container.

let workDir: string;
let dataRoot: string;
let daemon: SecondDockerd | undefined;
let demoId: string;
let flagsId: string;
let volumeId: string;
let namedId: string;
// -e, --entrypoint, -p, --restart, -m, -w: each must reach disk so that the stock daemon applies it.
const FLAGS = ["-e", "EXTRA=extra", "--entrypoint", "/bin/sh", "-p", "127.0.0.1::80", "--restart", "on-failure:2", "-m", "64m", "-w", "/srv"];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "slipway-adoption-"));
  dataRoot = join(workDir, "data");
  const [archive, volumeArchive, stack] = await Promise.all([
    saveGoldenImage(workDir),
    saveVolumeImage(workDir),
    SlipwayStack.start({ image: inject("slipwayImage"), dataRoot }),
  ]);
  try {
    const cli = (...args: string[]) => docker(stack.engineApi.socketUrl, args);
    await cli("load", "-i", archive);
    await cli("load", "-i", volumeArchive);
    demoId = await cli("create", "-it", "--name", "demo", "golden:1");
    flagsId = await cli("create", "--name", "flags", ...FLAGS, "golden:1", "-c", "echo $EXTRA $GREETING; pwd; hostname");
    volumeId = await cli("create", "--name", "vol", "slipway-e2e/volume:1");
    namedId = await cli("create", "--name", "named", "-v", "shared:/data", "slipway-e2e/volume:1");
  } finally {
    await stack.stop();
  }
  daemon = await startSecondDockerd({ dataRoot });
});

afterAll(async () => {
  await daemon?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const stock = (...args: string[]) => docker(daemon!.dockerHost, args);

it("a stock dockerd lists what Slipway created as Created, with its name, image and command", async () => {
  const listed = (await stock("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}} {{.Image}} {{.Status}}")).split("\n");
  const expected = [
    `${demoId} demo golden:1`,
    `${flagsId} flags golden:1`,
    `${volumeId} vol slipway-e2e/volume:1`,
    `${namedId} named slipway-e2e/volume:1`,
  ];
  expect(listed.sort()).toEqual(expected.map((line) => `${line} Created`).sort());
  expect(await stock("inspect", "--format", "{{json .Path}} {{json .Args}}", "demo")).toBe(
    '"/bin/sh" ["-c","cat /srv/app/hello.txt; echo $GREETING"]',
  );
});

// The same create requests sent to the stock dockerd, into the same data root: the files must match
// once each container's own IDs, name, volume names and times are replaced by placeholders.
const SAME_CREATES: [string, () => string, string[]][] = [
  ["demo", () => demoId, ["-it", "golden:1"]],
  ["flags", () => flagsId, [...FLAGS, "golden:1", "-c", "echo $EXTRA $GREETING; pwd; hostname"]],
  ["vol", () => volumeId, ["slipway-e2e/volume:1"]],
  ["named", () => namedId, ["-v", "shared:/data", "slipway-e2e/volume:1"]],
];

it.each(SAME_CREATES)(
  "wrote what the stock dockerd writes for the same create (%s): init layer, layer dirs, layerdb mount, config",
  async (name, ourId, args) => {
    const stockId = await stock("create", "--name", `stock-${name}`, ...args);
    const ours = normalisedContainer(dataRoot, ourId());
    const theirs = normalisedContainer(dataRoot, stockId);
    await stock("rm", "-v", `stock-${name}`);
    expect(ours).toEqual(theirs);
    // Not vacuous: the comparison saw the real files.
    expect(ours.initTree).toContain("100755 0:0 0 .dockerenv");
    expect(ours.lowers[1]).toMatch(/^l\/<init-link>:l\/[A-Z2-7]{26}/);
    expect(ours.config).toMatchObject({ ID: "<id>", Name: "<name>", Config: { Hostname: "<short-id>" } });
  },
);

it("starts it: the image's command runs, with the image's env", async () => {
  await stock("start", "demo");
  expect(await stock("wait", "demo")).toBe("0");
  const logs = await stock("logs", "demo");
  expect(logs).toMatch(/^hello from golden\r?\nhello world$/);
});

it("starts the one created with flags: merged env, entrypoint, working dir, hostname = short ID, limits", async () => {
  await stock("start", "flags");
  expect(await stock("wait", "flags")).toBe("0");
  expect(await stock("logs", "flags")).toBe(`extra hello world\n/srv\n${flagsId.slice(0, 12)}`);
  const settings = "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.HostConfig.Memory}}";
  expect(await stock("inspect", "--format", settings, "flags")).toBe("on-failure:2 67108864");
  expect(await stock("inspect", "--format", "{{json .HostConfig.PortBindings}}", "flags")).toBe('{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}');
  await stock("rm", "-v", "flags");
});

it("starts the one whose image has a VOLUME: the image's content is in the volume", async () => {
  await stock("start", "vol");
  expect(await stock("wait", "vol")).toBe("0");
  expect(await stock("logs", "vol")).toBe("volume content");
  const volume = await stock("inspect", "--format", "{{range .Mounts}}{{.Name}}{{end}}", "vol");
  expect(readFileSync(join(dataRoot, "volumes", volume, "_data/seed.txt"), "utf8")).toBe("volume content\n");
  await stock("rm", "-v", "vol");
  expect(existsSync(join(dataRoot, "volumes", volume))).toBe(false);
});

it("starts the one with a named volume Slipway made: the stock daemon lists it, it holds the image's content, rm -v keeps it", async () => {
  expect((await stock("volume", "ls", "-q")).split("\n")).toContain("shared");
  await stock("start", "named");
  expect(await stock("wait", "named")).toBe("0");
  expect(await stock("logs", "named")).toBe("volume content");
  await stock("rm", "-v", "named");
  expect(readFileSync(join(dataRoot, "volumes/shared/_data/seed.txt"), "utf8")).toBe("volume content\n");
  await stock("volume", "rm", "shared");
  expect(existsSync(join(dataRoot, "volumes/shared"))).toBe(false);
});

it("docker rm -v leaves nothing of the container behind", async () => {
  const mountId = await stock("inspect", "--format", "{{.GraphDriver.Data.MergedDir}}", "demo");
  await stock("rm", "-v", "demo");
  expect(readdirSync(join(dataRoot, "containers"))).toEqual([]);
  expect(readdirSync(join(dataRoot, "image/overlay2/layerdb/mounts"))).toEqual([]);
  expect(readdirSync(join(dataRoot, "volumes")).filter((name) => /^[0-9a-f]{64}$/.test(name))).toEqual([]);
  expect(existsSync(mountId.replace(/\/merged$/, ""))).toBe(false);
});
