import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { pingEngineApi } from "./engine-api-ping.js";

const run = promisify(execFile);

/** A throwaway stock dockerd (Debian docker.io) on a data root of our choosing. */
export interface SecondDockerd {
  readonly dataRoot: string;
  readonly socketPath: string;
  /** The dockerd process (its managed containerd is a child of it). */
  readonly pid: number;
  /** "unix://<socketPath>", for DOCKER_HOST or docker -H. */
  readonly dockerHost: string;
  /** Its own bridge (never the host's docker0). */
  readonly bridge: string;
  /** Its log so far. */
  log(): string;
  /**
   * `docker swarm init` on it, advertised on 127.0.0.1 and listening on 127.0.0.1 at a free port (never
   * the host's 2377): a one-node swarm that stop() takes down again.
   */
  initSwarm(): Promise<void>;
  /**
   * Leaves a swarm it is in (--force), removes the docker_gwbridge it made for swarm, SIGTERM, waits for
   * exit, unmounts what it left mounted, deletes its bridges and its private dirs.
   */
  stop(): Promise<void>;
}

export interface SecondDockerdOptions {
  /** The data root it adopts (created if missing); stop() leaves it, unmounted, for the caller. */
  readonly dataRoot: string;
  /** How long it may take to answer /_ping (default 30 s). */
  readonly startupTimeoutMs?: number;
  /**
   * Extra environment of the dockerd process, e.g. { DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: "1" } so that
   * swarm tasks use a loaded image without trying a registry first.
   */
  readonly env?: Readonly<Record<string, string>>;
}

/** The bridge a swarm node makes for its containers' way out; one name per host, not per daemon. */
export const SWARM_GATEWAY_BRIDGE = "docker_gwbridge";

/**
 * Starts a second dockerd beside the host's, sharing nothing with it: its own exec root, pidfile,
 * socket, config file and bridge with its own /24.
 * Never --bridge=none: that makes dockerd delete the host's docker0. No iptables or forwarding
 * changes either, so the host engine's rules stay as they are.
 */
export async function startSecondDockerd(options: SecondDockerdOptions): Promise<SecondDockerd> {
  const id = randomBytes(3).toString("hex");
  const workDir = mkdtempSync(`/tmp/swd-${id}-`); // short: containerd's socket path lives under it
  const bridge = `swbr${id}`;
  await createBridge(bridge);
  mkdirSync(options.dataRoot, { recursive: true });
  const socketPath = join(workDir, "docker.sock");
  const configFile = join(workDir, "daemon.json");
  writeFileSync(configFile, "{}\n"); // not the host's /etc/docker/daemon.json
  const logFile = join(workDir, "dockerd.log");
  const args = [
    ...["--data-root", options.dataRoot, "--exec-root", join(workDir, "exec"), "--pidfile", join(workDir, "dockerd.pid")],
    ...["--host", `unix://${socketPath}`, "--config-file", configFile, "--storage-driver", "overlay2"],
    ...["--bridge", bridge, "--iptables=false", "--ip-forward=false", "--ip-masq=false"],
  ];
  // A docker_gwbridge already on the host is someone else's: stop() must never delete it.
  const hostHadGatewayBridge = await linkExists(SWARM_GATEWAY_BRIDGE);
  const env = { ...process.env, ...options.env };
  const child = spawn("dockerd", args, { env, stdio: ["ignore", openSync(logFile, "a"), openSync(logFile, "a")] });
  const daemon = new RunningDockerd(child, options.dataRoot, workDir, socketPath, bridge, logFile, hostHadGatewayBridge);
  try {
    await daemon.waitUntilReady(options.startupTimeoutMs ?? 30_000);
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return daemon;
}

class RunningDockerd implements SecondDockerd {
  readonly dockerHost: string;
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(
    private readonly child: ChildProcess,
    readonly dataRoot: string,
    private readonly workDir: string,
    readonly socketPath: string,
    readonly bridge: string,
    private readonly logFile: string,
    private readonly hostHadGatewayBridge: boolean,
  ) {
    this.dockerHost = `unix://${socketPath}`;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code) => resolve((this.exitCode = code)));
      child.once("error", () => resolve((this.exitCode = -1)));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  log(): string {
    return readFileSync(this.logFile, "utf8");
  }

  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: number | string = "not asked yet";
    while (Date.now() < deadline) {
      if (this.exitCode !== undefined) throw new Error(`dockerd exited (${this.exitCode}) at start; its log:\n${tail(this.log())}`);
      last = await pingEngineApi({ socketPath: this.socketPath }, 1_000);
      if (last === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`dockerd did not answer /_ping on ${this.socketPath} within ${timeoutMs} ms (${last}); its log:\n${tail(this.log())}`);
  }

  async initSwarm(): Promise<void> {
    const port = await freeTcpPort();
    await this.docker(["swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", `127.0.0.1:${port}`]);
  }

  async stop(): Promise<void> {
    let madeGatewayBridge = false;
    if (this.exitCode === undefined) {
      // Swarm state: leave (a no-op error when not in one), then drop docker_gwbridge, which leaving keeps.
      await this.docker(["swarm", "leave", "--force"]).catch(() => undefined);
      madeGatewayBridge =
        !this.hostHadGatewayBridge &&
        (await this.docker(["network", "inspect", SWARM_GATEWAY_BRIDGE]).then(
          () => true,
          () => false,
        ));
      if (madeGatewayBridge) await this.docker(["network", "rm", SWARM_GATEWAY_BRIDGE]).catch(() => undefined);
      this.child.kill("SIGTERM");
      const killer = setTimeout(() => this.child.kill("SIGKILL"), 30_000);
      await this.exited;
      clearTimeout(killer);
    }
    // dockerd leaves a self bind-mount of its data root (and netns/shm mounts under the exec root).
    await unmountUnder([this.dataRoot, this.workDir]);
    await run("ip", ["link", "delete", this.bridge]).catch(() => undefined);
    if (madeGatewayBridge && (await linkExists(SWARM_GATEWAY_BRIDGE)))
      await run("ip", ["link", "delete", SWARM_GATEWAY_BRIDGE]).catch(() => undefined);
    rmSync(this.workDir, { recursive: true, force: true });
  }

  /** The docker CLI against this daemon; rejects with its stderr. */
  private async docker(args: string[]): Promise<string> {
    try {
      const { stdout } = await run("docker", ["--host", this.dockerHost, ...args]);
      return stdout.trim();
    } catch (err) {
      const { stderr = "" } = err as { stderr?: string };
      throw new Error(`docker ${args.join(" ")} on the second dockerd failed: ${stderr.trim() || String(err)}`, { cause: err });
    }
  }
}

async function linkExists(name: string): Promise<boolean> {
  return run("ip", ["link", "show", name]).then(
    () => true,
    () => false,
  );
}

/** A TCP port free on 127.0.0.1 right now. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Creates a bridge with the first free 172.31.N.1/24 (N from 200), so parallel daemons never clash. */
async function createBridge(name: string): Promise<void> {
  const { stdout } = await run("ip", ["-4", "-o", "addr", "show"]);
  for (let n = 200; n < 255; n++) {
    const subnet = `172.31.${n}`;
    if (stdout.includes(` ${subnet}.`)) continue;
    try {
      await run("ip", ["link", "add", "name", name, "type", "bridge"]);
      await run("ip", ["addr", "add", `${subnet}.1/24`, "dev", name]);
      await run("ip", ["link", "set", name, "up"]);
      return;
    } catch (err) {
      await run("ip", ["link", "delete", name]).catch(() => undefined);
      throw new Error(`cannot create bridge ${name} with ${subnet}.1/24 (needs root and iproute2): ${(err as Error).message}`, { cause: err });
    }
  }
  throw new Error("no free 172.31.200-254.0/24 subnet for a second dockerd's bridge");
}

/** Unmounts every mount point at or below the given dirs, deepest first. */
async function unmountUnder(dirs: readonly string[]): Promise<void> {
  const mountPoints = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => !!point && dirs.some((dir) => point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const point of mountPoints) {
    await run("umount", ["--lazy", point]).catch((err: Error) => {
      throw new Error(`cannot unmount ${point} left by the second dockerd: ${err.message}`);
    });
  }
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
