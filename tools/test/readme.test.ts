// The README check: every shell block of README.md and of each app's, library's, tool's and deployment's
// README is run here, as a reader would run it from a checkout, and its output compared with what the README
// shows (IDs, times, sizes and column widths normalised: src/readme-check/compare.ts), or it is marked in the
// README's source as not run, with the reason: <!-- readme-check: not run: <reason> --> on the line before it.
//
// The reader's checkout is a temp dir T holding symlinks to this checkout's tracked files and node_modules (so
// `npx slipway`, `npm run …` and tools/golden/build-golden-image.sh resolve from T), with ONE stack started as
// `npm start` from T starts it: data root T/.slipway/data, run root T/.slipway/run, so the README's
// `export DOCKER_HOST=unix://$PWD/.slipway/run/docker.sock` is right as written. The local dockerd (the CI's)
// is used where a block calls docker without that export. A registry (Debian's docker-registry on a free port of
// 127.0.0.1) stands in for the one README.md's "Pull and push" has a reader start, at $REGISTRY in every README.
// Each command runs through `bash -c` in T, with what the earlier commands of the same file exported; each
// README starts with an empty Slipway (no containers, images or volumes), and README.md runs first (it writes
// golden.tar, which the others load, and pushes golden:1 to the registry).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commandsOf,
  compareOutput,
  findBlocks,
  formatMismatch,
  formatProblem,
  isRunnable,
  type Block,
  type Problem,
} from "../src/readme-check/index.js";
import { launchStack, localStackEnv, untilUp, type LocalStack } from "../src/stack/local-stack.js";
import { startRegistry, type TestRegistry } from "@slipway/registry-client/testing";

const REPO = resolve(fileURLToPath(import.meta.url), "../../..");
const COMMAND_TIMEOUT_MS = 120_000;

/** README.md, then every README under apps/, libs/, tools/ and deploy/, sorted. */
function readmeFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(REPO, dir), { withFileTypes: true })) {
      if (["node_modules", "dist", "build", ".nx"].includes(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === "README.md") found.push(path);
    }
  };
  for (const dir of ["apps", "libs", "tools", "deploy"]) walk(dir);
  return ["README.md", ...found.sort()];
}

const files = readmeFiles();
const parsed = files.map((file) => {
  const { blocks, problems } = findBlocks(file, readFileSync(join(REPO, file), "utf8"));
  const runnable = blocks.filter(isRunnable).map((block) => ({ block, ...commandsOf(block) }));
  return { file, blocks, runnable, problems: [...problems, ...runnable.flatMap((r) => r.problems)] };
});

/** The environment a reader's shell has: no DOCKER_HOST or Slipway settings, nothing from npm or vitest. */
function readerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (
      /^(SLIPWAY_|DOCKER_(HOST|CONTEXT|TLS_VERIFY|CERT_PATH)$|npm_(lifecycle|package)_|npm_command$|npm_config_local_prefix$|VITEST)/.test(name) ||
      ["INIT_CWD", "TEST"].includes(name)
    ) {
      delete env[name];
    }
  }
  if (env.NODE_ENV === "test") delete env.NODE_ENV;
  return env;
}

/** The checkout as a reader has it: T with a symlink to each tracked top-level entry, and node_modules. */
function makeCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), "slipway-readme-"));
  let entries: string[];
  try {
    entries = execFileSync("git", ["-C", REPO, "ls-files"], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((path) => path.split("/")[0]!);
  } catch {
    entries = readdirSync(REPO).filter((name) => ![".git", ".nx", ".slipway"].includes(name));
  }
  for (const name of new Set([...entries, "node_modules"])) symlinkSync(join(REPO, name), join(dir, name));
  return dir;
}

interface Ran {
  output: string;
  code: number | null;
  env: NodeJS.ProcessEnv;
}

let envDir: string;
let envFiles = 0;

/** Runs one command as `bash -c` in `cwd`, stderr with stdout as a terminal shows them; returns what it exported too. */
function runCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const envOut = join(envDir, `env-${++envFiles}`);
  const script = `exec 2>&1\n${command}\n__readme_check_rc=$?\nenv -0 > "$README_CHECK_ENV_OUT"\nexit $__readme_check_rc\n`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn("bash", ["-c", script], {
      cwd,
      env: { ...env, README_CHECK_ENV_OUT: envOut },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: COMMAND_TIMEOUT_MS,
      killSignal: "SIGKILL",
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => {
      let next = env;
      try {
        next = Object.fromEntries(
          readFileSync(envOut, "utf8")
            .split("\0")
            .filter(Boolean)
            .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)])
            .filter(([name]) => !["README_CHECK_ENV_OUT", "_", "SHLVL", "PWD", "OLDPWD"].includes(name!)),
        );
      } catch {
        // the command exited the shell itself: nothing exported is carried forward
      }
      resolvePromise({ output, code, env: next });
    });
  });
}

let checkout: string;
let stack: LocalStack | undefined;
let registry: TestRegistry | undefined;
const anyRunnable = parsed.some((p) => p.runnable.length > 0);

beforeAll(async () => {
  envDir = mkdtempSync(join(tmpdir(), "slipway-readme-env-"));
  checkout = makeCheckout();
  if (!anyRunnable) return;
  // Exactly what `npm start` in T makes: roots ./.slipway/data and ./.slipway/run, every app on its socket.
  mkdirSync(join(checkout, ".slipway"));
  const { env, addresses, root } = await localStackEnv(join(checkout, ".slipway"));
  stack = await untilUp(launchStack(root, env, addresses), 60_000);
  registry = await startRegistry();
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await registry?.stop();
  if (checkout) rmSync(checkout, { recursive: true, force: true });
  if (envDir) rmSync(envDir, { recursive: true, force: true });
});

/** Removes every container, image and volume from the stack, so that each README starts as a reader's would. */
async function emptySlipway(): Promise<void> {
  const script = [
    "set -e",
    'c=$(docker ps -aq); [ -z "$c" ] || docker rm -v $c >/dev/null',
    "for r in $(docker images --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>'); do docker rmi \"$r\" >/dev/null; done",
    'i=$(docker images -q | sort -u); [ -z "$i" ] || docker rmi $i >/dev/null',
    'v=$(docker volume ls -q); [ -z "$v" ] || docker volume rm $v >/dev/null',
    '[ -z "$(docker ps -aq)$(docker images -q)$(docker volume ls -q)" ]',
  ].join("\n");
  const ran = await runCommand(script, checkout, { ...readerEnv(), DOCKER_HOST: `unix://${stack!.socketPath}` });
  if (ran.code !== 0) throw new Error(`could not empty Slipway between READMEs (exit ${ran.code}):\n${ran.output}`);
}

describe("the READMEs' shell blocks", () => {
  it("are each run below or marked in the source as not run, with the reason", () => {
    const problems: Problem[] = parsed.flatMap((p) => p.problems);
    const notRun = parsed.flatMap((p) =>
      p.blocks
        .filter((b): b is Block & { marker: { run: false; reason: string } } => b.marker?.run === false)
        .map((b) => `${b.file}:${b.line}: not run: ${b.marker.reason}`),
    );
    console.info(
      `README check: ${parsed.reduce((n, p) => n + p.runnable.length, 0)} blocks run, ${notRun.length} marked not run:\n${notRun.join("\n")}`,
    );
    expect(problems.map(formatProblem)).toEqual([]);
  });

  for (const { file, runnable } of parsed) {
    if (runnable.length === 0) continue;
    it(`${file}: every command runs as written and prints what the README shows`, async () => {
      await emptySlipway();
      let env: NodeJS.ProcessEnv = { ...readerEnv(), REGISTRY: registry!.host };
      const failures: string[] = [];
      const timings: string[] = [];
      for (const { commands } of runnable) {
        for (const { line, command, expected } of commands) {
          const started = Date.now();
          const ran = await runCommand(command, checkout, env);
          timings.push(`${((Date.now() - started) / 1000).toFixed(1)} s  ${file}:${line}  ${command.split("\n")[0]}`);
          env = ran.env;
          const where = `${file}:${line}`;
          if (ran.code === null) {
            failures.push(`${where}: \`${command}\` did not finish within ${COMMAND_TIMEOUT_MS / 1000} s; it printed:\n${ran.output}`);
          } else if (expected === undefined) {
            if (ran.code !== 0) failures.push(`${where}: \`${command}\` exited with ${ran.code}; it printed:\n${ran.output}`);
          } else {
            const mismatch = compareOutput(expected, ran.output, line);
            if (mismatch) failures.push(formatMismatch(file, command, mismatch, ran.output));
          }
        }
      }
      console.info(`${file}: ${timings.length} commands\n${timings.join("\n")}`);
      if (failures.length > 0) throw new Error(`${failures.length} README command(s) drifted in ${file}:\n\n${failures.join("\n\n")}`);
    }, 300_000);
  }
});
