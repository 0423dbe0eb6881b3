import { withCpu, type CpuUse } from "./cpu.js";
import type { Engine } from "./engines.js";
import type { EngineKey } from "./layouts.js";

/** Named figures of one engine: "sequential creates/s", "concurrent CPU ms/create", ... */
export type Figures = Record<string, number | undefined>;

/** What one run measured, by engine: the figures of the table and the raw CPU use of each phase. */
export class RunRecord {
  readonly figures: Partial<Record<EngineKey, Figures>> = {};
  readonly cpu: Partial<Record<EngineKey, Record<string, CpuUse>>> = {};
  /** Why a figure is missing, for the report. */
  readonly notes: string[] = [];

  add(key: EngineKey, figures: Figures): void {
    Object.assign((this.figures[key] ??= {}), figures);
  }

  /**
   * Runs a phase of `operations` on the engine and charges its processes' CPU to it: recorded under
   * `phase`, and returned as ms per operation.
   */
  async charged<T>(engine: Engine, phase: string, operations: number, work: () => Promise<T>): Promise<{ result: T; cpuMsEach: number }> {
    const { result, cpu } = await withCpu(() => engine.cpuProcesses(), work);
    (this.cpu[engine.key] ??= {})[phase] = cpu;
    return { result, cpuMsEach: operations > 0 ? Math.round((cpu.ms / operations) * 1000) / 1000 : NaN };
  }
}
