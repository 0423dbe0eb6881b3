import { invalidArgument } from "@slipway/errors";
import type { CommitRequest, ContainerConfigService, PrepareRequest, PrepareResult } from "./container-config.js";

/** One message of the caller's side of a record session: `prepare`, then `commit`. */
export interface RecordStep {
  readonly prepare?: PrepareRequest;
  readonly commit?: CommitRequest;
}

/** One answer of a record session: `prepared`, then `committed`, after which the session is over. */
export type RecordAnswer = { readonly prepared: PrepareResult } | { readonly committed: Record<string, never> };

/**
 * One create's record: the container prepared, then committed, on one session. The prepared container
 * lives as long as the session: whatever ends it before the commit succeeded (the caller's steps ending,
 * a step out of order, a failed commit, `cut`) abandons it and frees its name. Only the container this
 * session prepared is ever abandoned or committed: a refused prepare leaves another session's alone.
 */
export async function* recordSession(
  domain: ContainerConfigService,
  steps: AsyncIterable<RecordStep>,
  cut: AbortSignal,
): AsyncGenerator<RecordAnswer, void, undefined> {
  let preparedId: string | undefined;
  const abandon = () => {
    if (preparedId !== undefined) domain.abandon(preparedId);
  };
  // A caller that goes away while the session waits for its commit may never send another step:
  // the name is freed when the call is cut, not when the steps move again.
  cut.addEventListener("abort", abandon, { once: true });
  try {
    for await (const { prepare, commit } of steps) {
      if (prepare) {
        if (preparedId !== undefined) throw invalidArgument(`container ${preparedId} is already prepared on this stream; prepare comes once`);
        const prepared = domain.prepare(prepare);
        preparedId = prepare.containerId;
        yield { prepared };
      } else if (commit) {
        if (preparedId === undefined) throw invalidArgument("commit before prepare: prepare comes first");
        if (commit.id !== preparedId) throw invalidArgument(`commit names container ${commit.id}, but this stream prepared ${preparedId}`);
        await domain.commit(commit);
        yield { committed: {} };
        return;
      } else {
        throw invalidArgument("a step must be prepare or commit");
      }
    }
  } finally {
    cut.removeEventListener("abort", abandon);
    abandon();
  }
}
