import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleImage } from "../sample-image/sample-image.js";
import { startLocalStack, type LocalStack } from "../stack/local-stack.js";
import { runCaptured } from "./run-captured.js";

const DEMO = resolve(fileURLToPath(import.meta.url), "../../../dist/demo/main.js");
let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack();
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
});

/** Runs `slipway ARGS` in this process against the stack; resolves with its exit code and output. */
function slipway(...args: string[]) {
  return runCaptured(args, stack.env);
}

describe("the slipway CLI against the stack npm start runs", () => {
  it("loads, lists, creates, shows, inspects, removes and saves like the docker CLI", async () => {
    const image = sampleImage();
    const archive = join(stack.root, "sample.tar");
    writeFileSync(archive, image.archive);
    expect(await slipway("load", "-i", archive)).toEqual({ code: 0, stdout: "Loaded image: slipway-sample:1\n", stderr: "" });

    const images = await slipway("images");
    expect(images.stdout).toMatch(
      new RegExp(`^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\\nslipway-sample +1 +${image.imageId.slice(7, 19)} +\\d+ \\w+ ago +\\d`),
    );

    const created = await slipway("create", "-it", "--name", "demo", "slipway-sample:1");
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[a-f0-9]{64}$/);

    const again = await slipway("create", "--name", "demo", "slipway-sample:1");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Error response from daemon: Conflict. The container name "/demo" is already in use by container "${id}"`);

    const ps = await slipway("ps", "-a");
    expect(ps.stdout.split("\n")[0]).toMatch(/^CONTAINER ID   IMAGE {14}COMMAND {18}CREATED +STATUS {4}PORTS {5}NAMES$/);
    expect(ps.stdout.split("\n")[1]).toMatch(
      new RegExp(`^${id.slice(0, 12)}   slipway-sample:1   "/bin/sh -c 'cat /sr…"   .* ago +Created {13}demo$`),
    );

    const inspect = await slipway("inspect", "demo");
    const [document] = JSON.parse(inspect.stdout);
    expect(document).toMatchObject({ Id: id, Name: "/demo", State: { Status: "created" }, Config: { WorkingDir: "/srv/app" } });
    expect(inspect.stdout.startsWith('[\n    {\n        "Id": ')).toBe(true);

    expect(await slipway("rm", "-v", "demo")).toEqual({ code: 0, stdout: "demo\n", stderr: "" });
    expect((await slipway("ps", "-a")).stdout.split("\n")).toHaveLength(2);
    const missing = await slipway("rm", "demo");
    expect(missing).toMatchObject({ code: 1, stderr: "Error response from daemon: No such container: demo\n" });

    const saved = join(stack.root, "saved.tar");
    expect((await slipway("save", "-o", saved, "slipway-sample:1")).code).toBe(0);
    expect(readFileSync(saved).includes(Buffer.from("manifest.json"))).toBe(true);
  }, 60_000);

  it("says which service it cannot reach", async () => {
    const nowhere = `unix:${join(stack.root, "nothing-here.sock")}`;
    const result = await slipway("--orchestrator", nowhere, "ps");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^Cannot reach Slipway: orchestrator is unavailable at ${nowhere}`));
  });

  it("speaks TCP only with mutual TLS, and says how to set it up", async () => {
    const result = await slipway("--orchestrator", "127.0.0.1:1", "ps");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'slipway: orchestrator is reached at TCP 127.0.0.1:1, which Slipway speaks only with mutual TLS: make certificates with "npx slipway certs --out DIR" and set SLIPWAY_TLS_DIR=DIR (or use a unix: address)\n',
    );
  });

  it("npm run demo shows the create path, and works a second time", async () => {
    const run = () => promisify(execFile)(process.execPath, [DEMO], { env: stack.env });
    const first = await run();
    const second = await run();
    expect(second.stdout).toContain("Removed the demo container of an earlier run");
    for (const { stdout } of [first, second]) {
      expect(stdout).toMatch(/Container ID: [a-f0-9]{64}/);
      expect(stdout).toMatch(/mount-id = [a-f0-9]{64}\n/);
      expect(stdout).toMatch(/init-id {2}= [a-f0-9]{64}-init\n/);
      expect(stdout).toContain(".dockerenv");
      expect(stdout).toMatch(/etc\/mtab -> \/proc\/mounts/);
      expect(stdout).toContain("checkpoints/");
      expect(stdout).toContain("config.v2.json");
      expect(stdout).toContain("hostconfig.json");
    }
  }, 60_000);

  it("slipway fsck finds the stack's data root clean, and reports a container whose RW layer record is gone", async () => {
    const created = await slipway("create", "--name", "fsck-demo", "slipway-sample:1");
    const id = created.stdout.trim();
    const clean = await slipway("fsck", "--data-root", stack.dataRoot);
    expect(clean, clean.stdout).toMatchObject({ code: 0, stderr: "" });
    expect(clean.stdout).toMatch(/^CHECK +OBJECTS +RESULT\ncontainers +[1-9]\d* +ok\n/);
    expect(clean.stdout.endsWith(`${stack.dataRoot}: clean\n`)).toBe(true);

    const copy = join(stack.root, "fsck-copy");
    await promisify(execFile)("cp", ["-a", stack.dataRoot, copy]);
    const mountRecord = join(copy, "image/overlay2/layerdb/mounts", id);
    const mountId = readFileSync(join(mountRecord, "mount-id"), "utf8");
    rmSync(mountRecord, { recursive: true });
    const broken = await slipway("fsck", "--data-root", copy, "--json");
    expect(broken.code).toBe(1);
    expect((JSON.parse(broken.stdout) as { problems: unknown[] }).problems).toEqual([
      { check: "containers", subject: `container ${id.slice(0, 12)}`, detail: "has no RW layer (no layerdb/mounts record)" },
      { check: "overlay dirs", subject: `overlay2/${mountId.slice(0, 12)}`, detail: "no layer or RW layer uses it (orphan)" },
      { check: "overlay dirs", subject: `overlay2/${mountId.slice(0, 12)}-init`, detail: "no layer or RW layer uses it (orphan)" },
    ]);
    expect((await slipway("rm", "-v", "fsck-demo")).code).toBe(0);
  });
});
