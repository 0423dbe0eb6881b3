import { EngineClient } from "../bench/engine-client.js";
import { checkDataRoot } from "../fsck/checks.js";
import { readDataRoot } from "../fsck/data-root.js";
import { createUntilCut, listedNames } from "./create-load.js";
import type { CrashTarget } from "./targets.js";

/** What one kill -9 under create load did. */
export interface RoundResult {
  /** Creates the engine answered 201 before it was killed. */
  readonly acknowledged: number;
  /** Acknowledged containers the restarted engine does not list. */
  readonly lost: readonly string[];
  /** From the kill until the restarted engine answered. */
  readonly readySeconds: number;
  /** fsck problems of the data root when the restarted engine first answered. */
  readonly problemsAtReady: number;
  /** Seconds after the restart until fsck was clean; undefined if it was not within the watch. */
  readonly cleanAfterSeconds: number | undefined;
  /** fsck problems left at the end of the watch (none when it became clean). */
  readonly problemsLeft: readonly string[];
}

export interface RoundOptions {
  readonly image: string;
  readonly clients: number;
  /** How long the load runs before the kill (a random part is added so that the kill lands anywhere). */
  readonly loadMs: number;
  /** How long fsck is watched after the restart. */
  readonly watchMs: number;
}

const problemsOf = (dataRoot: string) => checkDataRoot(readDataRoot(dataRoot)).problems.map((p) => `${p.check}: ${p.subject}: ${p.detail}`);

/** Create load, kill -9 in the middle of it, restart, then check what was acknowledged and what was left. */
export async function crashRound(target: CrashTarget, round: number, o: RoundOptions): Promise<{ result: RoundResult; target: CrashTarget }> {
  const acknowledged: string[] = [];
  const engine = new EngineClient(target.socketPath, o.clients);
  const load = createUntilCut(engine, o.image, o.clients, `crash-${round}-`, acknowledged);
  await new Promise((resolve) => setTimeout(resolve, o.loadMs + Math.random() * o.loadMs));
  const killedAt = Date.now();
  await target.kill();
  await load;
  engine.close();
  const restarted = await target.restart();
  const readyAt = Date.now();
  const after = new EngineClient(restarted.socketPath);
  const listed = await listedNames(after);
  after.close();
  let problems = problemsOf(restarted.dataRoot);
  const problemsAtReady = problems.length;
  while (problems.length > 0 && Date.now() - readyAt < o.watchMs) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    problems = problemsOf(restarted.dataRoot);
  }
  const result: RoundResult = {
    acknowledged: acknowledged.length,
    lost: acknowledged.filter((name) => !listed.has(name)),
    readySeconds: (readyAt - killedAt) / 1000,
    problemsAtReady,
    cleanAfterSeconds: problems.length === 0 ? (Date.now() - readyAt) / 1000 : undefined,
    problemsLeft: problems,
  };
  return { result, target: restarted };
}
