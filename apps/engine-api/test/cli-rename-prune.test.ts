import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSecondDockerd } from "@slipway/throwaway-dockerd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, requireDockerCli, type CliResult } from "./support/docker-cli.js";
import { goldenArchive } from "./support/golden.js";
import { call } from "./support/http-client.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * docker rename, docker container prune and the network and build cache prunes, against the host's dockerd
 * and Slipway. On the host dockerd only what this file made is touched: every prune sent there carries this
 * run's unique label (and a build cache prune only filters it refuses: dockerd 20.10 ignores label there).
 */
const REAL_DOCKERD = "/var/run/docker.sock";
const HOST_ROOT = "/var/lib/docker";
const RUN = randomBytes(4).toString("hex");
const PREFIX = `t25-rnp-${RUN}`;
const LABEL = `t25-rnp=${RUN}`;
let stack: Stack;
let tmp: string;
const hostContainers: string[] = [];
const hostVolumes: string[] = [];

const slipway = (...args: string[]) => docker(stack.socketPath, args);
const host = (...args: string[]) => docker(REAL_DOCKERD, args);
const both = async (...args: string[]) => ({ host: await host(...args), slipway: await slipway(...args) });

/** `docker create --label <this run's> …` in both engines; answers each one's container ID. */
async function createInBoth(...args: string[]): Promise<{ host: string; slipway: string }> {
  const created = await both("create", "--label", LABEL, ...args, "golden:1");
  expect(created.host, created.host.stderr).toMatchObject({ code: 0 });
  expect(created.slipway, created.slipway.stderr).toMatchObject({ code: 0 });
  hostContainers.push(created.host.stdout.trim());
  // Prunes keep a container's anonymous volumes: afterAll removes those of the host's containers itself.
  hostVolumes.push(
    ...(await host("inspect", "-f", "{{range .Mounts}}{{.Name}} {{end}}", created.host.stdout.trim())).stdout.split(/\s+/).filter(Boolean),
  );
  return { host: created.host.stdout.trim(), slipway: created.slipway.stdout.trim() };
}

/** An engine's output with its container IDs (full or short) replaced by what they stand for. */
function withIds(result: CliResult, ids: Readonly<Record<string, string>>): CliResult {
  const replace = (text: string) =>
    Object.entries(ids).reduce((out, [id, label]) => out.replaceAll(id, `<${label}>`).replaceAll(id.slice(0, 12), `<${label}>`), text);
  return { code: result.code, stdout: replace(result.stdout), stderr: replace(result.stderr) };
}

/** A container's two record files, parsed. */
function record(dataRoot: string, id: string): Record<string, unknown> {
  const read = (file: string) => JSON.parse(readFileSync(join(dataRoot, "containers", id, file), "utf8")) as unknown;
  return { configV2: read("config.v2.json"), hostConfig: read("hostconfig.json") };
}

/** What changed between two JSON documents, as path → [before, after]. */
function changes(before: unknown, after: unknown, path = ""): Record<string, [unknown, unknown]> {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return Object.assign({}, ...keys.map((key) => changes(before[key], after[key], `${path}.${key}`))) as Record<string, [unknown, unknown]>;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? {} : { [path]: [before, after] };
}

/** Record changes with the old name left out (generated names differ between the engines): the new Name alone. */
function withoutOldName(changed: Record<string, [unknown, unknown]>): Record<string, unknown> {
  const { ".configV2.Name": name, ...rest } = changed;
  return { ...rest, ".configV2.Name": name?.[1] };
}

/** POST on both engines; status and body text of each. */
async function postToBoth(path: string) {
  const [real, ours] = [await call(REAL_DOCKERD, "POST", path), await call(stack.socketPath, "POST", path)];
  return { host: { status: real.status, text: real.text }, slipway: { status: ours.status, text: ours.text } };
}

const filtersQuery = (filters: Readonly<Record<string, readonly string[] | undefined>>) => `filters=${encodeURIComponent(JSON.stringify(filters))}`;

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-rename-"));
  stack = await startStack();
  expect(await slipway("load", "-q", "-i", goldenArchive(tmp))).toMatchObject({ code: 0 });
}, 120_000);

afterAll(async () => {
  for (const id of hostContainers) await host("rm", "-f", id);
  for (const name of hostVolumes) await host("volume", "rm", name);
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe("docker rename", () => {
  it("renames as dockerd does: the same record changes, ps and inspect (through the list cache), and a create under the old name", async () => {
    const named = await createInBoth("--name", `${PREFIX}-a`);
    const generated = await createInBoth();
    const listed = () => both("ps", "-a", "--filter", `label=${LABEL}`, "--format", "{{.Names}}");
    await listed(); // Slipway's engine-api keeps this list body until the list version changes
    const before = {
      host: [named.host, generated.host].map((id) => record(HOST_ROOT, id)),
      slipway: [named.slipway, generated.slipway].map((id) => record(stack.dataRoot, id)),
    };
    const renamed = await both("rename", `${PREFIX}-a`, `${PREFIX}-b`);
    expect(renamed.host).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(renamed.slipway).toEqual(renamed.host);
    expect(await host("rename", generated.host.slice(0, 12), `/${PREFIX}-g`)).toMatchObject({ code: 0 });
    expect(await slipway("rename", generated.slipway.slice(0, 12), `/${PREFIX}-g`)).toMatchObject({ code: 0 });
    const theirs = [named.host, generated.host].map((id, i) => withoutOldName(changes(before.host[i], record(HOST_ROOT, id))));
    const ours = [named.slipway, generated.slipway].map((id, i) => withoutOldName(changes(before.slipway[i], record(stack.dataRoot, id))));
    expect(theirs[1]).toEqual({ ".configV2.Name": `/${PREFIX}-g`, ".configV2.NetworkSettings.IsAnonymousEndpoint": [true, false] });
    expect(ours).toEqual(theirs);
    const after = await listed();
    expect(after.host).toEqual({ code: 0, stdout: `${PREFIX}-g\n${PREFIX}-b\n`, stderr: "" });
    expect(after.slipway).toEqual(after.host);
    const inspected = await both("inspect", "-f", "{{.Name}} {{.NetworkSettings.IsAnonymousEndpoint}}", `${PREFIX}-g`, `${PREFIX}-b`);
    expect(inspected.slipway).toEqual(inspected.host);
    await createInBoth("--name", `${PREFIX}-a`);
  });

  it("refuses what dockerd refuses, with the same CLI output", async () => {
    const taken = await createInBoth("--name", `${PREFIX}-taken`);
    await createInBoth("--name", `${PREFIX}-c`);
    const ids = { [taken.host]: "taken", [taken.slipway]: "taken" };
    for (const [target, name] of [
      [`${PREFIX}-c`, `${PREFIX}-c`],
      [`${PREFIX}-c`, `/${PREFIX}-c`],
      [`${PREFIX}-c`, `${PREFIX}-taken`],
      [`${PREFIX}-c`, "bad name"],
      [`${PREFIX}-c`, "x"],
      [`${PREFIX}-nosuch`, `${PREFIX}-d`],
    ]) {
      const result = await both("rename", target!, name!);
      expect(result.host.code, `${target} → ${name}`).toBe(1);
      expect(withIds(result.slipway, ids), `${target} → ${name}`).toEqual(withIds(result.host, ids));
    }
  });
});

describe("docker container prune", () => {
  it("removes the labelled containers dockerd removes, keeping their anonymous volumes, with the same output", async () => {
    const kept = await createInBoth("--name", `${PREFIX}-kept`, "--label", "keep=yes");
    const gone = await createInBoth("--name", `${PREFIX}-gone`);
    const ourVolume = (await slipway("inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", gone.slipway)).stdout.trim();
    // A file in its RW layer is the space the prune reclaims.
    const file = join(tmp, "reclaimed.txt");
    writeFileSync(file, "twelve bytes");
    for (const [engine, id] of [
      [host, gone.host],
      [slipway, gone.slipway],
    ] as const) {
      const copied = await engine("cp", file, `${id}:/reclaimed.txt`);
      expect(copied, copied.stderr).toMatchObject({ code: 0 });
    }
    const others = await both("ps", "-aq", "--no-trunc", "--filter", `label=${LABEL}`, "--filter", "label=keep=yes");
    const pruned = await both(
      "container",
      "prune",
      "-f",
      "--filter",
      `label=${LABEL}`,
      "--filter",
      "label!=keep=yes",
      "--filter",
      "until=2100-01-01T00:00:00Z",
    );
    expect(pruned.host.stdout).toContain(gone.host);
    expect(pruned.host.stdout).not.toContain(kept.host);
    // The host prunes every container of this run but the kept one (those of the rename tests, too), Slipway the same ones.
    const hostIds = (await host("ps", "-aq", "--no-trunc", "--filter", `label=${LABEL}`)).stdout;
    expect(hostIds).toBe(others.host.stdout);
    expect((await slipway("ps", "-aq", "--no-trunc", "--filter", `label=${LABEL}`)).stdout).toBe(others.slipway.stdout);
    const normalise = (result: CliResult) => ({ ...result, stdout: result.stdout.replace(/^[0-9a-f]{64}$/gm, "<id>") });
    expect(pruned.host.stdout).toMatch(/Total reclaimed space: 12B\n$/);
    expect(normalise(pruned.slipway)).toEqual(normalise(pruned.host));
    expect(await slipway("volume", "inspect", "-f", "{{.Name}}", ourVolume)).toMatchObject({ code: 0, stdout: `${ourVolume}\n` });
  });

  it("answers a prune that matches nothing with dockerd's body, byte for byte", async () => {
    const { host: real, slipway: ours } = await postToBoth(`/v1.41/containers/prune?${filtersQuery({ label: [`${LABEL}-none`] })}`);
    expect(real).toEqual({ status: 200, text: '{"ContainersDeleted":null,"SpaceReclaimed":0}\n' });
    expect(ours).toEqual(real);
  });

  it("refuses a prune while another runs with dockerd's 409 (Slipway alone: the host's flag would refuse other tests' prunes)", async () => {
    const label = `${LABEL}-overlap`;
    for (let i = 0; i < 10; i++) expect(await slipway("create", "--label", label, "golden:1")).toMatchObject({ code: 0 });
    const prune = () => call(stack.socketPath, "POST", `/v1.41/containers/prune?${filtersQuery({ label: [label] })}`);
    // Sent together, the second arrives while the first removes its ten containers.
    const [first, second] = (await Promise.all([prune(), prune()])).sort((a, b) => a.status - b.status);
    expect({ status: second!.status, text: second!.text }).toEqual({ status: 409, text: '{"message":"a prune operation is already running"}\n' });
    expect(first!.status).toBe(200);
    expect((JSON.parse(first!.text) as { ContainersDeleted: string[] }).ContainersDeleted).toHaveLength(10);
  });

  it.each([{ bogus: ["x"] }, { until: ["xyz"] }, { until: ["1", "2"] }, { until: ["2020-13-01"] }, { until: ["2020-1-01"] }])(
    "refuses the filters %j as dockerd does",
    async (filters) => {
      const { host: real, slipway: ours } = await postToBoth(`/v1.41/containers/prune?${filtersQuery({ label: [LABEL], ...filters })}`);
      expect(real.status).not.toBe(200);
      expect(ours).toEqual(real);
    },
  );
});

describe("the network and build cache prunes", () => {
  it.each([{}, { bogus: ["x"] }, { until: ["xyz"] }, { until: ["1", "2"] }])(
    "answer POST /networks/prune with %j as dockerd does",
    async (filters) => {
      const { host: real, slipway: ours } = await postToBoth(`/v1.41/networks/prune?${filtersQuery({ label: [LABEL], ...filters })}`);
      expect(ours).toEqual(real);
    },
  );

  it.each([
    { bogus: ["x"] },
    { mutable: ["x"] },
    { until: ["xyz"] },
    { until: ["1h"], "unused-for": ["2h"] },
    { id: ["a", "b"] },
    { until: ["1h", "2h"] },
  ])("refuse POST /build/prune with %j as dockerd does", async (filters) => {
    const { host: real, slipway: ours } = await postToBoth(`/v1.41/build/prune?${filtersQuery({ label: [LABEL], ...filters })}`);
    expect(real.status).not.toBe(200);
    expect(ours).toEqual(real);
  });

  it("answer for the empty build cache as dockerd does (Slipway alone: dockerd 20.10 would prune its whole cache)", async () => {
    const ours = await call(stack.socketPath, "POST", `/v1.41/build/prune?${filtersQuery({ label: [LABEL], until: ["24h"] })}`);
    expect({ status: ours.status, text: ours.text }).toEqual({ status: 200, text: '{"CachesDeleted":null,"SpaceReclaimed":0}\n' });
  });
});

describe("in Slipway alone", () => {
  it("docker system prune --filter removes the labelled containers", async () => {
    const id = (await slipway("create", "--label", `${LABEL}-system`, "golden:1")).stdout.trim();
    const other = (await slipway("create", "golden:1")).stdout.trim();
    const pruned = await slipway("system", "prune", "-f", "--filter", `label=${LABEL}-system`);
    expect(pruned).toMatchObject({ code: 0, stderr: "" });
    expect(pruned.stdout).toContain(`Deleted Containers:\n${id}\n`);
    expect(pruned.stdout).toMatch(/Total reclaimed space: 0B\n$/);
    expect((await slipway("ps", "-aq", "--no-trunc")).stdout).toContain(other);
  });

  it("docker container prune without filters removes every container", async () => {
    await slipway("create", "golden:1");
    expect((await slipway("ps", "-aq")).stdout).not.toBe("");
    const pruned = await slipway("container", "prune", "-f");
    expect(pruned).toMatchObject({ code: 0, stderr: "" });
    expect((await slipway("ps", "-aq")).stdout).toBe("");
  });

  it("a stock dockerd adopting the data root finds the renamed containers under their new names", async () => {
    expect(await slipway("create", "--name", `${PREFIX}-db`, "golden:1")).toMatchObject({ code: 0 });
    expect(await slipway("create", "--name", `${PREFIX}-web`, "--link", `${PREFIX}-db:al`, "golden:1")).toMatchObject({ code: 0 });
    for (const [from, to] of [
      [`${PREFIX}-web`, `${PREFIX}-web2`],
      [`${PREFIX}-db`, `${PREFIX}-db2`],
    ]) {
      expect(await slipway("rename", from!, to!)).toMatchObject({ code: 0 });
    }
    const names = async (socket: string) =>
      (JSON.parse((await call(socket, "GET", "/v1.41/containers/json?all=1")).text) as { Names: string[] }[]).map((row) => row.Names.sort()).sort();
    expect(await names(stack.socketPath)).toEqual([[`/${PREFIX}-db2`, `/${PREFIX}-web2/al`], [`/${PREFIX}-web2`]]);
    await stack.stop();
    const daemon = await startSecondDockerd({ dataRoot: stack.dataRoot });
    try {
      // The link goes with the restart, as dockerd's own would: web2's hostconfig.json names its child by the old name.
      expect(await names(daemon.socketPath)).toEqual([[`/${PREFIX}-db2`], [`/${PREFIX}-web2`]]);
      expect(await docker(daemon.socketPath, ["create", "--name", `${PREFIX}-db`, "golden:1"])).toMatchObject({ code: 0 });
    } finally {
      await daemon.stop();
    }
  }, 60_000);
});
