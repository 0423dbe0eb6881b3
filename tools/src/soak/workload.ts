import { Readable } from "node:stream";
import type { EngineClient } from "../bench/engine-client.js";
import { ExpectedState } from "./expected-state.js";

/** The image every create uses (the sample image: four layers and a VOLUME, so each create makes a volume too). */
export const SOAK_IMAGE = "slipway-sample:1";

/** What the workload did, for the report. */
export interface WorkloadCounts {
  ok: number;
  /** Refused with a 4xx: the engine said no, nothing changed (a conflict, a name already gone). */
  refused: number;
  /** Cut by a kill: the outcome is unknown until the engine is back. */
  cut: number;
  /** 5xx or a broken connection while no kill was under way: a fault. */
  failed: number;
  lastFailure: string;
}

type Outcome = "ok" | "refused" | "cut" | "failed";

/** The populations the workload keeps steady. */
const STEADY = { containers: 500, volumes: 50, tags: 20 };

/**
 * Mixed work at a steady pace: creates (some mounting a named volume), inspects, lists, removals, named
 * volumes, tags and untags, and an occasional load. Every acknowledged create, removal, volume and tag is
 * remembered, so that what survives a kill can be checked.
 */
export class Workload {
  readonly containers = new ExpectedState();
  readonly volumes = new ExpectedState();
  readonly tags = new ExpectedState();
  readonly counts: WorkloadCounts = { ok: 0, refused: 0, cut: 0, failed: 0, lastFailure: "" };
  /** Set while the stack is being killed and restarted: failures then are cuts, not faults. */
  killing = false;
  /** Set while the stack is down and until what survived is checked: no new operations. */
  paused = false;
  private serial = 0;

  constructor(
    private engine: EngineClient,
    private readonly sampleArchive: Buffer,
    private readonly random: () => number = Math.random,
  ) {}

  /** After a restart: a client of the new stack. */
  useEngine(engine: EngineClient): void {
    this.engine = engine;
  }

  /**
   * One operation, chosen by weight. Creates and removals (and volumes, and tags) keep their population
   * around a steady size, so that what the processes hold at the end of a window is comparable with the first.
   */
  async step(): Promise<void> {
    if (this.paused) return new Promise((resolve) => setTimeout(resolve, 50));
    const roll = this.random();
    const below = (state: ExpectedState, size: number) => state.present().length < size;
    if (roll < 0.55) return below(this.containers, STEADY.containers) ? this.create() : this.remove();
    if (roll < 0.7) return this.inspect();
    if (roll < 0.8) return void (await this.op(() => this.engine.call("GET", "/containers/json?all=1"), 200));
    if (roll < 0.89) return below(this.volumes, STEADY.volumes) ? this.createVolume() : this.removeVolume();
    if (roll < 0.98) return below(this.tags, STEADY.tags) ? this.tag() : this.untag();
    await this.op(() => this.engine.call("POST", "/images/load?quiet=1", Readable.from([this.sampleArchive]), "application/x-tar"), 200);
  }

  private async create(): Promise<void> {
    const name = `soak-c-${++this.serial}`;
    const volume = this.pick(this.volumes.present());
    const body = JSON.stringify({ Image: SOAK_IMAGE, HostConfig: volume && this.random() < 0.3 ? { Binds: [`${volume}:/shared`] } : {} });
    this.record(this.containers, name, "present", await this.op(() => this.engine.call("POST", `/containers/create?name=${name}`, body), 201));
  }

  private async remove(): Promise<void> {
    const name = this.pick(this.containers.present());
    if (!name) return;
    this.record(this.containers, name, "removed", await this.op(() => this.engine.call("DELETE", `/containers/${name}?v=1&force=1`), 204));
  }

  private async inspect(): Promise<void> {
    const name = this.pick(this.containers.present());
    if (name) await this.op(() => this.engine.call("GET", `/containers/${name}/json`), 200);
  }

  private async createVolume(): Promise<void> {
    const name = `soak-v-${++this.serial}`;
    const body = JSON.stringify({ Name: name });
    this.record(this.volumes, name, "present", await this.op(() => this.engine.call("POST", "/volumes/create", body), 201));
  }

  private async removeVolume(): Promise<void> {
    const name = this.pick(this.volumes.present());
    if (name) this.record(this.volumes, name, "removed", await this.op(() => this.engine.call("DELETE", `/volumes/${name}`), 204));
  }

  private async tag(): Promise<void> {
    const tag = `t${++this.serial}`;
    this.record(this.tags, tag, "present", await this.op(() => this.engine.call("POST", `/images/${SOAK_IMAGE}/tag?repo=soak-tag&tag=${tag}`), 201));
  }

  private async untag(): Promise<void> {
    const tag = this.pick(this.tags.present());
    if (tag) this.record(this.tags, tag, "removed", await this.op(() => this.engine.call("DELETE", `/images/soak-tag:${tag}`), 200));
  }

  private record(state: ExpectedState, name: string, done: "present" | "removed", outcome: Outcome): void {
    if (outcome === "ok") state.set(name, done);
    else if (outcome === "cut") state.set(name, "unknown");
  }

  private async op(call: () => Promise<{ status: number; body: string }>, success: number): Promise<Outcome> {
    let outcome: Outcome;
    let detail: string;
    try {
      const { status, body } = await call();
      outcome = status === success ? "ok" : status < 500 ? "refused" : this.killing ? "cut" : "failed";
      detail = `HTTP ${status} ${body.trim().slice(0, 200)}`;
    } catch (err) {
      outcome = this.killing ? "cut" : "failed";
      detail = err instanceof Error ? err.message : String(err);
    }
    this.counts[outcome]++;
    if (outcome === "failed") this.counts.lastFailure = detail;
    return outcome;
  }

  private pick(names: readonly string[]): string | undefined {
    return names.length === 0 ? undefined : names[Math.floor(this.random() * names.length)];
  }
}
