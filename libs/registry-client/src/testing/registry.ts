/**
 * A real registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with filesystem
 * storage in a temporary directory, optionally behind TLS (with client certificates), htpasswd Basic
 * auth or token auth. It listens on a port of its own choosing, read back from its log.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const STARTUP_TIMEOUT_MS = 15_000;

export interface TestRegistryOptions {
  /**
   * The loopback address to listen on (default 127.0.0.1). dockerd treats 127.0.0.0/8 as insecure (TLS
   * unchecked, certs.d unread), so a test of verified TLS listens on ::1 instead.
   */
  readonly address?: "127.0.0.1" | "::1";
  /** An htpasswd file (bcrypt entries) for Basic auth; see htpasswdEntry. */
  readonly htpasswdFile?: string;
  /** Token auth: the registry trusts tokens signed under `rootCertBundle` (a PEM file) from `issuer` for `service`. */
  readonly token?: { readonly realm: string; readonly service: string; readonly issuer: string; readonly rootCertBundle: string };
  /** Serve HTTPS with this certificate and key (PEM files), requiring client certificates signed by `clientCas` if given. */
  readonly tls?: { readonly certificate: string; readonly key: string; readonly clientCas?: readonly string[] };
}

export interface TestRegistry {
  /** "127.0.0.1:PORT" or "[::1]:PORT", the registry's domain in references. */
  readonly host: string;
  /** "http://127.0.0.1:PORT" or "https://…". */
  readonly url: string;
  /** Its filesystem storage root. */
  readonly storageDir: string;
  /** Its log so far. */
  log(): string;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/** Starts a registry; fails loudly when docker-registry is not installed. */
export async function startRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  await requireCommand("docker-registry", "docker-registry");
  const dir = mkdtempSync(join(tmpdir(), "test-registry-"));
  const storageDir = join(dir, "storage");
  const configFile = join(dir, "config.yml");
  writeFileSync(configFile, JSON.stringify(registryConfig(storageDir, options))); // JSON is YAML
  const child = spawn("docker-registry", ["serve", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  const registry = new RunningRegistry(child, dir, storageDir, options.tls !== undefined);
  try {
    await registry.started();
  } catch (err) {
    await registry.stop();
    throw err;
  }
  return registry;
}

/** One bcrypt htpasswd line, made by `htpasswd -B` (Debian's apache2-utils). */
export async function htpasswdEntry(user: string, password: string): Promise<string> {
  await requireCommand("htpasswd", "apache2-utils");
  const { stdout } = await run("htpasswd", ["-Bbn", user, password]);
  return stdout.trim();
}

function registryConfig(storageDir: string, options: TestRegistryOptions): object {
  const { htpasswdFile, token } = options;
  const auth =
    htpasswdFile !== undefined
      ? { htpasswd: { realm: "test-registry", path: htpasswdFile } }
      : token !== undefined
        ? { token: { realm: token.realm, service: token.service, issuer: token.issuer, rootcertbundle: token.rootCertBundle } }
        : undefined;
  const tls =
    options.tls !== undefined
      ? { certificate: options.tls.certificate, key: options.tls.key, ...(options.tls.clientCas ? { clientcas: options.tls.clientCas } : {}) }
      : undefined;
  return {
    version: "0.1",
    log: { level: "info", accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
    http: { addr: options.address === "::1" ? "[::1]:0" : "127.0.0.1:0", secret: randomBytes(16).toString("hex"), ...(tls ? { tls } : {}) },
    ...(auth ? { auth } : {}),
  };
}

async function requireCommand(command: string, debianPackage: string): Promise<void> {
  try {
    await run("sh", ["-c", `command -v ${command}`]);
  } catch {
    throw new Error(
      `${command} is not installed: these tests need Debian's ${debianPackage} package (apt-get install ${debianPackage}; .ci/run installs it)`,
    );
  }
}

class RunningRegistry implements TestRegistry {
  host = "";
  url = "";
  private output = "";
  private readonly exited: Promise<void>;
  private hasExited = false;

  constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly storageDir: string,
    private readonly tls: boolean,
  ) {
    const collect = (chunk: Buffer) => (this.output += chunk.toString("utf8"));
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    this.exited = new Promise((resolve) =>
      child.once("exit", () => {
        this.hasExited = true;
        resolve();
      }),
    );
  }

  log(): string {
    return this.output;
  }

  /** Waits for "listening on <address>:PORT" in its log. */
  async started(): Promise<void> {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const listening = /listening on (127\.0\.0\.1:\d+|\[::1\]:\d+)/.exec(this.output);
      if (listening) {
        this.host = listening[1]!;
        this.url = `${this.tls ? "https" : "http"}://${this.host}`;
        return;
      }
      if (this.hasExited) throw new Error(`docker-registry exited at start; its log:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`docker-registry did not start listening within ${STARTUP_TIMEOUT_MS} ms; its log:\n${this.output}`);
  }

  async stop(): Promise<void> {
    if (!this.hasExited) {
      this.child.kill("SIGTERM");
      const killer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await this.exited;
      clearTimeout(killer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
