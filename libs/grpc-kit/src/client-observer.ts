import { cancelled } from "@slipway/errors";
import type { MethodDefinition } from "./definitions.js";

/**
 * Watches the calls a client makes (metrics count them). Asked once per method when the client is made, so
 * that whatever it keeps per method is made once; what it returns is called as each call starts, and returns
 * what to call when the call is over: with nothing when it succeeded, else with its error.
 */
export type ClientCallObserver = (method: MethodDefinition) => () => (err?: unknown) => void;

type Call<O> = (input: unknown, opts?: O) => unknown;

/** `call` reporting each call to `started`: a unary answer when it settles, a response stream when it ends. */
export function observedCall<O>(call: Call<O>, method: MethodDefinition, started: () => (err?: unknown) => void): Call<O> {
  if (!method.responseStream) {
    return (input, opts) => {
      const over = started();
      const answer = call(input, opts) as Promise<unknown>;
      answer.then(
        () => over(),
        (err: unknown) => over(err),
      );
      return answer;
    };
  }
  return (input, opts) => observedStream(call(input, opts) as AsyncIterable<unknown>, started());
}

/** What a response stream the caller left before its end counts as. */
const CALLER_STOPPED = cancelled("the caller stopped reading the response stream");

async function* observedStream(responses: AsyncIterable<unknown>, over: (err?: unknown) => void): AsyncIterable<unknown> {
  let ended = false;
  try {
    yield* responses;
    ended = true;
    over();
  } catch (err) {
    ended = true;
    over(err);
    throw err;
  } finally {
    // The caller stopped reading before the end: the call is cancelled, as the client does over the network.
    if (!ended) over(CALLER_STOPPED);
  }
}
