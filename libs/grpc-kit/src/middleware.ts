import { status } from "@grpc/grpc-js";
import { unavailable } from "@slipway/errors";
import type { Logger } from "pino";
import type { CallContext } from "./context.js";
import type { MethodDefinition } from "./definitions.js";
import { isClientError, toStatus } from "./error-mapping.js";

/** What a middleware knows of the call it runs around. */
export interface ServerCallInfo {
  /** The method's name in its service definition, e.g. "getLayer". */
  readonly name: string;
  readonly method: MethodDefinition;
  readonly ctx: CallContext;
}

/**
 * Runs around every call of a service, over the network and in-process alike. `next()` runs the rest of the
 * chain and the handler, and settles when the call is over: resolved once the answer is sent (a response
 * stream: once it ended), rejected with what the handler threw (or why the call was cut). A middleware
 * returns what `next()` settled with, or throws to refuse the call before the handler runs.
 */
export type ServerMiddleware = (call: ServerCallInfo, next: () => Promise<void>) => Promise<void>;

/** One middleware that runs `chain` in order, the first outermost. */
export function composeMiddleware(chain: readonly ServerMiddleware[]): ServerMiddleware {
  return (call, handler) => {
    const from = (index: number): Promise<void> => {
      const middleware = chain[index];
      try {
        return middleware ? middleware(call, () => from(index + 1)) : handler();
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return from(0);
  };
}

/**
 * Answers UNAVAILABLE with `message` ("layer-store is still recovering its data root; retry shortly") until
 * `isReady()`; the methods named in `except` (say, a status method that reports the recovery) always run.
 */
export function untilReady(isReady: () => boolean, message: string, except: readonly string[] = []): ServerMiddleware {
  return async ({ name }, next) => {
    if (!isReady() && !except.includes(name)) throw unavailable(message);
    return next();
  };
}

/**
 * One log line per call when it is over: method, code, duration, peer, and what went wrong. A call that
 * succeeded quickly is logged at debug, as dockerd logs the API calls it serves: at info, a busy store would
 * spend more on its log than on some of its calls. Refusals, failures and slow calls are logged at info or above.
 */
export function callLog(logger: Logger): ServerMiddleware {
  return async ({ method, ctx }, next) => {
    const started = performance.now();
    try {
      await next();
    } catch (err) {
      logCall(logger, method.path, ctx.peer, started, err);
      throw err;
    }
    logCall(logger, method.path, ctx.peer, started);
  };
}

/** A call that took longer is logged at info even when it succeeded: a slow call is worth seeing. */
export const SLOW_CALL_MS = 1_000;
const NO_ANSWER = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED]);

function logCall(logger: Logger, path: string, peer: string, started: number, err?: unknown): void {
  const durationMs = elapsed(started);
  if (err === undefined && durationMs < SLOW_CALL_MS && !logger.isLevelEnabled("debug")) return;
  const { code, details } = err === undefined ? { code: status.OK, details: "" } : toStatus(err);
  const entry = { method: path, code: status[code], durationMs, peer };
  if (code === status.OK) logger[durationMs < SLOW_CALL_MS ? "debug" : "info"](entry, "rpc");
  else if (isClientError(code)) logger.info({ ...entry, error: details }, "rpc");
  // "Not now" or "no answer" (recovering, a store down or slow, a caller gone): no stack trace helps.
  else if (NO_ANSWER.has(code)) logger.warn({ ...entry, error: details }, "rpc");
  else logger.error({ ...entry, error: details, stack: err instanceof Error ? err.stack : undefined }, "rpc");
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
