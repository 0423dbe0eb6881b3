import { getSystemErrorMap } from "node:util";
import { SlipwayError, type ErrorKind } from "@slipway/errors";

/** The HTTP status of each error kind, as dockerd's errdefs map them. */
const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 409,
  unavailable: 503,
  // A store that did not answer in time, or a call cancelled: dockerd answers these (errdefs' deadline and cancelled) with 500.
  deadline_exceeded: 500,
  cancelled: 500,
  internal: 500,
  unimplemented: 501,
  // A peer refused engine-api's own certificate: a deployment fault, not the Docker client's.
  unauthenticated: 500,
  permission_denied: 500,
  // Only a stream whose reader fell behind (GET /events) ends this way, after its status line was sent.
  resource_exhausted: 500,
};

/** An answer decided by the HTTP layer itself (413 for an oversized body, 408 for a stalled one). */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Status and message of anything a route threw, as the HTTP client gets them: one line, no Node error
 * codes, no paths under `hiddenPaths` (the data root). Errors that are neither SlipwayErrors nor HttpErrors
 * are bugs here: a 500 whose message says where the details are (the log).
 */
export function httpErrorOf(err: unknown, hiddenPaths: readonly string[] = []): { status: number; message: string } {
  if (err instanceof HttpError) return { status: err.status, message: publicMessage(err.message, hiddenPaths) };
  if (err instanceof SlipwayError) {
    return { status: STATUS_OF_KIND[err.kind], message: publicMessage(err.message, hiddenPaths) };
  }
  return { status: 500, message: "engine-api failed to handle the request (an internal error; its log has the details)" };
}

// EOF stays: in dockerd's messages it is Go's io.EOF ("Bad parameters and missing X-Registry-Auth: EOF"), not libuv's errno.
const SYSTEM_ERRORS = new Map([...getSystemErrorMap().values()].filter(([name]) => name !== "EOF").map(([name, description]) => [name, description]));
const ERRNO_NAME = /\b(E[A-Z0-9]{2,})\b(: )?/g;
const NODE_CODE = /\s*\(?\bERR_[A-Z0-9_]+\b\)?:?/g;

/** One line, Node's error codes as words (or gone), hidden paths replaced. */
export function publicMessage(message: string, hiddenPaths: readonly string[] = []): string {
  let text = message.replace(/\s*[\r\n]+\s*/g, "; ").trim();
  for (const path of hiddenPaths) {
    if (path.length > 1) text = text.split(path.replace(/\/+$/, "")).join("<data root>");
  }
  text = text.replace(NODE_CODE, "");
  // "ENOENT: no such file or directory, open …" already says it in words; a bare "connect ENOENT" does not.
  text = text.replace(ERRNO_NAME, (whole, name: string, colon: string | undefined) => {
    const description = SYSTEM_ERRORS.get(name);
    if (!description) return whole;
    return colon && text.includes(`${name}: ${description}`) ? "" : `${description}${colon ?? ""}`;
  });
  return text;
}
