/**
 * What went wrong, independent of the transport (containerd's errdefs classes, with gRPC's names). grpc-kit maps
 * each kind to one gRPC code and back; engine-api maps each to the HTTP status dockerd answers.
 */
export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "unavailable"
  | "deadline_exceeded"
  | "cancelled"
  | "unimplemented"
  | "unauthenticated"
  | "permission_denied"
  | "resource_exhausted"
  | "internal";

/**
 * The one error type domain code throws; build it with the constructor of its kind below. The message reaches
 * the user unchanged (Docker's texts matter).
 */
export class SlipwayError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SlipwayError";
  }
}

/** Builds a SlipwayError of one kind; `cause` is what led to it (kept for logs, never shown). */
export type ErrorConstructor = (message: string, cause?: unknown) => SlipwayError;

const constructorOf =
  (kind: ErrorKind): ErrorConstructor =>
  (message, cause) =>
    new SlipwayError(kind, message, cause === undefined ? undefined : { cause });

/** The request is wrong whatever the state. */
export const invalidArgument = constructorOf("invalid_argument");
export const notFound = constructorOf("not_found");
export const alreadyExists = constructorOf("already_exists");
/** The request is refused in the current state (in use, not empty, missing what it needs). */
export const failedPrecondition = constructorOf("failed_precondition");
/** Not now: a peer is down or still recovering; retrying later may succeed. */
export const unavailable = constructorOf("unavailable");
/** No answer before the deadline: the work may or may not have been done. */
export const deadlineExceeded = constructorOf("deadline_exceeded");
/** The caller gave up on the call: the work may or may not have been done. */
export const cancelled = constructorOf("cancelled");
export const unimplemented = constructorOf("unimplemented");
export const unauthenticated = constructorOf("unauthenticated");
export const permissionDenied = constructorOf("permission_denied");
/** A bound was reached: a stream's reader fell too far behind to be served without a gap. */
export const resourceExhausted = constructorOf("resource_exhausted");
export const internal = constructorOf("internal");

/** Each kind's constructor, for code that carries a kind over: a transport's mapping, a message given more context. */
export const CONSTRUCTOR_OF_KIND: { readonly [K in ErrorKind]: ErrorConstructor } = {
  invalid_argument: invalidArgument,
  not_found: notFound,
  already_exists: alreadyExists,
  failed_precondition: failedPrecondition,
  unavailable,
  deadline_exceeded: deadlineExceeded,
  cancelled,
  unimplemented,
  unauthenticated,
  permission_denied: permissionDenied,
  resource_exhausted: resourceExhausted,
  internal,
};

/** True for NOT_FOUND: in a lookup "there is none", in an undo or a cleanup "already gone". */
export function isNotFound(err: unknown): err is SlipwayError {
  return err instanceof SlipwayError && err.kind === "not_found";
}

/**
 * True for a call that ended without a definite answer: the peer could not be reached or was not ready, did
 * not answer in time, or the call was cancelled. What it asked for may or may not have been done, and asking
 * again may succeed.
 */
export function isOutcomeUnknown(err: unknown): boolean {
  return err instanceof SlipwayError && (err.kind === "unavailable" || err.kind === "deadline_exceeded" || err.kind === "cancelled");
}
