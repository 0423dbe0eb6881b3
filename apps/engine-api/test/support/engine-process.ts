import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCertificateAuthority, type CertificateAuthority, type IssueOptions } from "@slipway/pki";

const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

/** engine-api's built main as its own process, as `npm start -- --split` or the image runs it. */
export interface EngineProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  output(): string;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export function spawnEngineApi(args: readonly string[], env: NodeJS.ProcessEnv): EngineProcess {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH, SLIPWAY_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => stdout + stderr,
    stderr: () => stderr,
    stop: () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** Waits until GET /_ping on the socket answers 200, or the process exits (then throws with its output). */
export async function untilServing(engine: EngineProcess, socketPath: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (engine.child.exitCode !== null) throw new Error(`engine-api exited with ${engine.child.exitCode}:\n${engine.output()}`);
    if (
      await pingStatus(socketPath).then(
        (s) => s === 200,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`engine-api did not serve within ${timeoutMs} ms:\n${engine.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function pingStatus(socketPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: "/_ping" }, (res) => (res.resume(), resolve(res.statusCode!)));
    req.once("error", reject).end();
  });
}

/** The kernel's resident set size of a process, in KiB. */
export function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(/(\d+)/.exec(line ?? "")?.[1] ?? NaN);
}

/** A test CA and the files engine-api and a client use: ca.crt, engine-api.{crt,key}, client.{crt,key}. */
export interface TestPki {
  readonly ca: CertificateAuthority;
  readonly dir: string;
  /** Writes `<name>.crt` and `<name>.key` (0600) issued by `ca` (default: the test CA) into `dir`. */
  issue(name: string, options?: IssueOptions & { ca?: CertificateAuthority; dir?: string }): Promise<{ cert: string; key: string }>;
}

export async function makeTestPki(dir: string): Promise<TestPki> {
  mkdirSync(dir, { recursive: true });
  const ca = await createCertificateAuthority();
  writeFileSync(join(dir, "ca.crt"), ca.certPem);
  const pki: TestPki = {
    ca,
    dir,
    async issue(name, options = {}) {
      const { ca: signer = ca, dir: into = dir, ...issueOptions } = options;
      const { certPem, keyPem } = await signer.issue(name, issueOptions);
      const cert = join(into, `${name}.crt`);
      const key = join(into, `${name}.key`);
      writeFileSync(cert, certPem);
      writeFileSync(key, keyPem, { mode: 0o600 });
      chmodSync(key, 0o600);
      return { cert, key };
    },
  };
  await pki.issue("engine-api");
  await pki.issue("client");
  return pki;
}
