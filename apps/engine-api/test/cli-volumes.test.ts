import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBoltBucket } from "@slipway/docker-spec";
import { startSecondDockerd } from "@slipway/throwaway-dockerd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, requireDockerCli, type CliResult } from "./support/docker-cli.js";
import { call } from "./support/http-client.js";
import { goldenArchive } from "./support/golden.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * Volume labels, driver options, filters and prune, and `--storage-opt`, the same requests to the real
 * dockerd and to Slipway. On the real dockerd every volume and container is named (and labelled) for this
 * run alone, its prunes are always filtered by this run's label, and afterAll removes what it made.
 */
const REAL_DOCKERD = "/var/run/docker.sock";
const REAL_DATA_ROOT = "/var/lib/docker";
const RUN = `t25-vol-${process.pid}`;
const LABEL = `${RUN}=1`;

let stack: Stack;
let tmp: string;
const madeOnDockerd = { volumes: new Set<string>(), containers: new Set<string>() };

const real = (...args: string[]) => docker(REAL_DOCKERD, args);
const slipway = (...args: string[]) => docker(stack.socketPath, args);
/** The same CLI command to both engines: [dockerd's result, Slipway's]. */
const both = (...args: string[]): Promise<[CliResult, CliResult]> => Promise.all([real(...args), slipway(...args)]);

/** Volume and container names of this run, remembered for afterAll on the real dockerd. */
function volumeName(suffix: string): string {
  const name = `${RUN}-${suffix}`;
  madeOnDockerd.volumes.add(name);
  return name;
}
function containerName(suffix: string): string {
  const name = `${RUN}-c-${suffix}`;
  madeOnDockerd.containers.add(name);
  return name;
}

/** `docker volume inspect` of each engine, the creation time and the data root aside. */
async function inspectBoth(name: string): Promise<[unknown, unknown]> {
  const normalise = (result: CliResult, dataRoot: string) => {
    expect(result).toMatchObject({ code: 0, stderr: "" });
    return result.stdout
      .split(dataRoot)
      .join("<data root>")
      .replace(/"CreatedAt": "[^"]+"/, '"CreatedAt": "<time>"');
  };
  const [fromDockerd, fromSlipway] = await both("volume", "inspect", name);
  return [normalise(fromDockerd, REAL_DATA_ROOT), normalise(fromSlipway, stack.dataRoot)];
}

/** The volume's entry in each engine's volumes/metadata.db, and its opts.json (undefined when there is none). */
function onDisk(name: string, dataRoot: string): { entry: string | undefined; optsJson: string | undefined } {
  const entry = readBoltBucket(readFileSync(join(dataRoot, "volumes", "metadata.db")), "volumes")
    ?.get(name)
    ?.toString();
  let optsJson: string | undefined;
  try {
    optsJson = readFileSync(join(dataRoot, "volumes", name, "opts.json"), "utf8");
  } catch {
    optsJson = undefined;
  }
  return { entry, optsJson };
}

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-volumes-"));
  stack = await startStack();
  expect(await slipway("load", "-i", goldenArchive(tmp))).toMatchObject({ code: 0 });
}, 120_000);
afterAll(async () => {
  for (const name of madeOnDockerd.containers) await real("rm", "-f", name);
  for (const name of madeOnDockerd.volumes) await real("volume", "rm", "-f", name);
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe("volume labels and local driver options", () => {
  it("docker volume create --label -o type=tmpfs: inspect, opts.json and metadata.db as dockerd's", async () => {
    const name = volumeName("tmpfs");
    const args = ["volume", "create", "--label", LABEL, "--label", "color=blue", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=100m", name];
    const [fromDockerd, fromSlipway] = await both(...args);
    expect(fromSlipway).toEqual(fromDockerd);
    const [inspected, expected] = await inspectBoth(name);
    expect(expected).toBe(inspected);
    expect(onDisk(name, stack.dataRoot)).toEqual(onDisk(name, REAL_DATA_ROOT));
    expect(onDisk(name, stack.dataRoot)).toEqual({
      entry: `{"Name":"${name}","Driver":"local","Labels":{"color":"blue","${RUN}":"1"},"Options":{"device":"tmpfs","o":"size=100m","type":"tmpfs"}}`,
      optsJson: '{"MountType":"tmpfs","MountOpts":"size=100m","MountDevice":"tmpfs","Quota":{"Size":0}}',
    });
  });

  it("docker volume create -o type=none -o o=bind -o device=/path, and one without labels or options", async () => {
    for (const [suffix, options] of [
      ["bind", ["--label", LABEL, "-o", "type=none", "-o", "o=bind", "-o", `device=${tmpdir()}`]],
      ["plain", []],
    ] as const) {
      const name = volumeName(suffix);
      const [fromDockerd, fromSlipway] = await both("volume", "create", ...options, name);
      expect(fromSlipway).toEqual(fromDockerd);
      const [inspected, expected] = await inspectBoth(name);
      expect(expected).toBe(inspected);
      expect(onDisk(name, stack.dataRoot)).toEqual(onDisk(name, REAL_DATA_ROOT));
      expect(onDisk(name, stack.dataRoot).entry).toContain(`{"Name":"${name}","Driver":"local","Labels":`);
    }
  });

  it("refuses the options dockerd's local driver refuses, with its status and words", async () => {
    const name = volumeName("refused");
    for (const options of [["bogus=1"], ["o=bind"], ["device=/x", "o=bind"], ["size=1G"]]) {
      const [fromDockerd, fromSlipway] = await both("volume", "create", ...options.flatMap((o) => ["-o", o]), name);
      expect(fromDockerd.code).toBe(1);
      expect(fromSlipway).toEqual(fromDockerd);
      const body = JSON.stringify({ Name: name, DriverOpts: Object.fromEntries(options.map((o) => o.split("="))) });
      const request = { body, headers: { "Content-Type": "application/json" } };
      const [httpDockerd, httpSlipway] = await Promise.all(
        [REAL_DOCKERD, stack.socketPath].map((socket) => call(socket, "POST", "/v1.41/volumes/create", request)),
      );
      expect([httpSlipway.status, httpSlipway.text]).toEqual([httpDockerd.status, httpDockerd.text]);
    }
  });

  it("a --mount's volume-label and volume-opt make the volume as dockerd makes it", async () => {
    const name = volumeName("mount");
    const mount = `type=volume,src=${name},dst=/data,volume-label=${LABEL},volume-opt=type=tmpfs,volume-opt=device=tmpfs`;
    const [fromDockerd, fromSlipway] = await Promise.all([
      real("create", "--name", containerName("mount"), "--mount", mount, "golden:1"),
      slipway("create", "--name", containerName("mount"), "--mount", mount, "golden:1"),
    ]);
    expect([fromDockerd.code, fromSlipway.code]).toEqual([0, 0]);
    const [inspected, expected] = await inspectBoth(name);
    expect(expected).toBe(inspected);
    expect(onDisk(name, stack.dataRoot)).toEqual(onDisk(name, REAL_DATA_ROOT));
    expect(onDisk(name, stack.dataRoot).optsJson).toBe('{"MountType":"tmpfs","MountOpts":"","MountDevice":"tmpfs","Quota":{"Size":0}}');
    const bogus = `type=volume,src=${volumeName("mount-bogus")},dst=/data,volume-opt=bogus=1`;
    const refused = await Promise.all([
      real("create", "--name", containerName("bogus"), "--mount", bogus, "golden:1"),
      slipway("create", "--name", containerName("bogus"), "--mount", bogus, "golden:1"),
    ]);
    expect(refused[0].code).toBe(1);
    expect(refused[1]).toEqual(refused[0]);
  });

  it("docker volume ls filters by label (key, key=value, several), driver and dangling as dockerd does", async () => {
    for (const filters of [
      [`label=${RUN}`],
      [`label=${LABEL}`, "label=color=blue"],
      [`label=${RUN}`, "label=color=red"],
      [`label=${RUN}`, "driver=local"],
      [`label=${RUN}`, "dangling=true"],
      [`label=${RUN}`, "dangling=false"],
      [`label=${RUN}`, "dangling=maybe"],
    ]) {
      const [fromDockerd, fromSlipway] = await both("volume", "ls", "--format", "{{.Driver}} {{.Name}}", ...filters.flatMap((f) => ["--filter", f]));
      expect(fromSlipway, filters.join(" ")).toEqual(fromDockerd);
    }
  });
});

describe("docker volume prune", () => {
  it("removes the unused volumes of a label, named ones included, but neither used nor mounted ones, as dockerd does", async () => {
    const label = `${RUN}-prune=1`;
    const [unused, used, mounted] = [volumeName("prune-unused"), volumeName("prune-used"), volumeName("prune-mounted")];
    for (const args of [
      ["volume", "create", "--label", label, unused],
      ["volume", "create", "--label", label, used],
      ["volume", "create", "--label", label, "-o", "type=tmpfs", "-o", "device=tmpfs", mounted],
    ]) {
      const [fromDockerd, fromSlipway] = await both(...args);
      expect([fromDockerd.code, fromSlipway.code]).toEqual([0, 0]);
    }
    for (const dataRoot of [REAL_DATA_ROOT, stack.dataRoot]) writeFileSync(join(dataRoot, "volumes", unused, "_data", "five"), "12345");
    const user = containerName("prune-user");
    for (const engine of [real, slipway]) expect((await engine("create", "--name", user, "-v", `${used}:/data`, "golden:1")).code).toBe(0);
    const prune = (filters: string) =>
      Promise.all(
        [REAL_DOCKERD, stack.socketPath].map((socket) => call(socket, "POST", `/v1.41/volumes/prune?filters=${encodeURIComponent(filters)}`)),
      );
    const [fromDockerd, fromSlipway] = await prune(JSON.stringify({ label: [label], "label!": ["never"] }));
    expect(fromDockerd.text).toBe(`{"VolumesDeleted":["${unused}"],"SpaceReclaimed":5}\n`);
    expect([fromSlipway.status, fromSlipway.text]).toEqual([fromDockerd.status, fromDockerd.text]);
    const again = await Promise.all([real, slipway].map((engine) => engine("volume", "prune", "-f", "--filter", `label=${label}`)));
    expect(again[1]).toEqual(again[0]);
    for (const filters of [
      { label: [label], dangling: ["true"] },
      { label: [label], until: ["1h"] },
    ]) {
      const refused = await prune(JSON.stringify(filters));
      expect([refused[1].status, refused[1].text]).toEqual([refused[0].status, refused[0].text]);
    }
  });

  it("without filters removes every unused volume without options (Slipway alone: never unfiltered on the real dockerd)", async () => {
    expect((await slipway("volume", "create", "lonely")).code).toBe(0);
    const { text } = await call(stack.socketPath, "POST", "/v1.41/volumes/prune");
    const { VolumesDeleted } = JSON.parse(text) as { VolumesDeleted: string[] };
    expect(VolumesDeleted.sort()).toEqual([volumeName("plain"), "lonely"].sort());
    const left = (await slipway("volume", "ls", "-q")).stdout.split("\n").filter(Boolean).sort();
    expect(left).toEqual(
      [volumeName("tmpfs"), volumeName("bind"), volumeName("mount"), volumeName("prune-used"), volumeName("prune-mounted")].sort(),
    );
  });
});

describe("docker create --storage-opt", () => {
  it("is refused as dockerd's overlay2 driver refuses it off xfs with pquota, leaving no container", async () => {
    for (const [suffix, option] of [
      ["size", "size=1G"],
      ["bogus", "bogus=1"],
    ]) {
      const name = containerName(`storage-${suffix}`);
      const [fromDockerd, fromSlipway] = await both("create", "--name", name, "--storage-opt", option, "golden:1");
      expect(fromDockerd.code).toBe(1);
      expect(fromSlipway).toEqual(fromDockerd);
      const [listedDockerd, listedSlipway] = await both("ps", "-aq", "--filter", `name=^${name}$`);
      expect([listedDockerd.stdout, listedSlipway.stdout]).toEqual(["", ""]);
    }
  });
});

describe("a stock dockerd adopting the data root", () => {
  it("answers the labels and options Slipway recorded as the real dockerd does, and mounts the tmpfs volume", async () => {
    await stack.stop();
    const daemon = await startSecondDockerd({ dataRoot: stack.dataRoot });
    try {
      const adopted = (...args: string[]) => docker(daemon.socketPath, args);
      const names = [volumeName("tmpfs"), volumeName("bind"), volumeName("mount")];
      const [fromDockerd, fromAdopted] = await Promise.all([real, adopted].map((engine) => engine("volume", "inspect", ...names)));
      const normalise = (result: CliResult, dataRoot: string) =>
        result.stdout
          .split(dataRoot)
          .join("<data root>")
          .replace(/"CreatedAt": "[^"]+"/g, "");
      expect(normalise(fromAdopted!, stack.dataRoot)).toBe(normalise(fromDockerd!, REAL_DATA_ROOT));
      const listed = await Promise.all([real, adopted].map((engine) => engine("volume", "ls", "-q", "--filter", `label=${LABEL}`)));
      expect(listed[1]!.stdout).toBe(listed[0]!.stdout);
      const run = await adopted("run", "--rm", "-v", `${volumeName("tmpfs")}:/x`, "golden:1", "sh", "-c", "grep ' /x ' /proc/mounts");
      expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^tmpfs \/x tmpfs rw,.*size=102400k/) });
    } finally {
      await daemon.stop();
    }
  }, 120_000);
});
