import { spawn, type ChildProcess } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { NODE_FLAGS } from "./apps.js";
import { formatLogLine } from "./log-format.js";

const STOP_TIMEOUT_MS = 15_000;

interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

/**
 * "pretty": each app's JSON log lines relayed as "[app] HH:MM:SS INFO msg key=value" (for a terminal);
 * "json": the apps write their lines (which name the app) straight to the launcher's stdout and stderr.
 */
export type LogFormat = "pretty" | "json";

/**
 * The app processes of npm start: launched with their log lines in the given format and a pid file each; when one exits
 * unexpectedly, or on stop, all of them are stopped (SIGTERM, then SIGKILL after 15 s) and the launcher exits.
 */
export class Supervisor {
  private readonly apps: Running[] = [];
  private stopping = false;
  private readonly deadline: number;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly runRoot: string,
    private readonly mainOf: (app: string) => string,
    private readonly readyTimeoutMs: number,
    private readonly logs: LogFormat,
  ) {
    this.deadline = Date.now() + readyTimeoutMs;
  }

  start(names: readonly string[]): void {
    for (const app of names.map((name) => this.launch(name))) {
      this.apps.push(app);
      void app.exited.then((code) => {
        if (this.stopping) return;
        process.stderr.write(`slipway: ${app.name} exited unexpectedly (code ${code}); stopping the others\n`);
        void this.stopAll(1);
      });
    }
  }

  /** Polls until every named app is healthy; false (after stopping everything) past the ready timeout or on a stop. */
  async untilHealthy(names: readonly string[], isHealthy: (name: string) => Promise<boolean>): Promise<boolean> {
    const pending = new Set(names);
    while (pending.size > 0 && !this.stopping) {
      if (Date.now() > this.deadline) {
        process.stderr.write(`slipway: not healthy after ${this.readyTimeoutMs / 1000}s: ${[...pending].join(", ")}\n`);
        await this.stopAll(1);
        return false;
      }
      for (const name of pending) if (await isHealthy(name)) pending.delete(name);
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
    }
    return !this.stopping;
  }

  async stopAll(code: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const app of this.apps) app.child.kill("SIGTERM");
    const killer = setTimeout(() => this.apps.forEach((a) => a.child.kill("SIGKILL")), STOP_TIMEOUT_MS);
    await Promise.all(this.apps.map((a) => a.exited));
    clearTimeout(killer);
    for (const app of this.apps) rmSync(join(this.runRoot, `${app.name}.pid`), { force: true });
    const processes = this.apps.length === 1 ? "1 process" : `${this.apps.length} processes`;
    process.stdout.write(`slipway: stopped all 5 apps (${processes})\n`);
    process.exit(code);
  }

  private launch(name: string): Running {
    const stdio = this.logs === "pretty" ? "pipe" : "inherit";
    const child = spawn(process.execPath, [...NODE_FLAGS, ...cpuProfileFlags(), this.mainOf(name)], {
      env: this.env,
      stdio: ["ignore", stdio, stdio],
    });
    writeFileSync(join(this.runRoot, `${name}.pid`), `${child.pid}\n`);
    if (this.logs === "pretty") {
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on("line", (line) => process.stdout.write(`${formatLogLine(line, name)}\n`));
      }
    }
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { name, child, exited };
  }
}

/** SLIPWAY_CPU_PROF_DIR=<dir> makes every app write a V8 CPU profile there when it stops (for profiling). */
function cpuProfileFlags(): string[] {
  const dir = process.env.SLIPWAY_CPU_PROF_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}
