import { Metadata, status, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import {
  cancelled,
  CONSTRUCTOR_OF_KIND,
  deadlineExceeded,
  describeSystemError,
  isSystemError,
  permissionDenied,
  SlipwayError,
  unavailable,
  type ErrorKind,
} from "@slipway/errors";

const CODE_OF_KIND: Record<ErrorKind, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  failed_precondition: status.FAILED_PRECONDITION,
  unavailable: status.UNAVAILABLE,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  cancelled: status.CANCELLED,
  unimplemented: status.UNIMPLEMENTED,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  internal: status.INTERNAL,
};

const KIND_OF_CODE = new Map<status, ErrorKind>((Object.entries(CODE_OF_KIND) as [ErrorKind, status][]).map(([kind, code]) => [code, kind]));

/**
 * Converts anything thrown by a handler into the status sent on the wire. A failed system call (a full or
 * read-only disk) reads as dockerd words it, "mkdir <path>: no space left on device".
 */
export function toStatus(err: unknown): Partial<StatusObject> & { code: status; details: string } {
  if (err instanceof SlipwayError) return { code: CODE_OF_KIND[err.kind], details: err.message, metadata: new Metadata() };
  const message = isSystemError(err) ? describeSystemError(err) : err instanceof Error ? err.message : String(err);
  return { code: status.INTERNAL, details: message, metadata: new Metadata() };
}

/**
 * Converts a gRPC error received by a client back into a SlipwayError of the matching kind. The codes a
 * client also meets without any server (no connection, its own deadline or cancellation) name the service.
 */
export function fromServiceError(err: ServiceError, service: string, address: string): SlipwayError {
  switch (err.code) {
    case status.UNAVAILABLE:
      if (/connect EACCES/.test(err.details)) {
        const message = `permission denied while trying to connect to ${service} at ${address}: only root and members of the socket's group (SLIPWAY_SOCKET_GROUP, by default docker) may connect`;
        return permissionDenied(message, err);
      }
      return unavailable(unavailableMessage(err.details, service, address), err);
    case status.DEADLINE_EXCEEDED:
      return deadlineExceeded(`${service} at ${address} did not answer in time (deadline exceeded)`, err);
    case status.CANCELLED:
      return cancelled(`call to ${service} was cancelled: ${err.details}`, err);
    default:
      if (CONNECTION_BROKE.test(err.details))
        return unavailable(`${service} is unavailable at ${address}: the connection broke during the call`, err);
      return CONSTRUCTOR_OF_KIND[KIND_OF_CODE.get(err.code) ?? "internal"](err.details, err);
  }
}

/**
 * grpc-js's words for a call whose HTTP/2 stream or connection failed under it (reported as INTERNAL, not
 * as a server's answer): like UNAVAILABLE, the call may or may not have been done.
 */
const CONNECTION_BROKE = /^(Received RST_STREAM with code|Failed to start HTTP\/2 stream|Stream refused by server)/;

/**
 * A connection that failed names the service and address. A server's own UNAVAILABLE (still recovering,
 * stopping, or a store behind it that is down) already says which service, so it is kept as it is.
 */
function unavailableMessage(details: string, service: string, address: string): string {
  const reason = transportReason(details);
  return reason === undefined ? details : `${service} is unavailable at ${address}: ${reason}`;
}

/**
 * A short reason for a connection that failed, instead of grpc-js's and Node's words ("No connection
 * established. Last error: connect ENOENT …"); undefined for a server's own UNAVAILABLE (say, still
 * recovering), whose message is kept.
 */
function transportReason(details: string): string | undefined {
  const transport =
    /No connection established|Last error|Connection dropped|Failed to connect|certificate|handshake/i.test(details) ||
    /\bE[A-Z]{3,}\b/.test(details);
  if (!transport) return undefined;
  if (/ENOENT|ECONNREFUSED/.test(details)) return "nothing is listening there (is it running?)";
  if (/certificate|handshake|SSL|TLS|presented/i.test(details)) {
    // The last error is Node's or our identity check's own sentence (say, which identity the server presented).
    const last = /Last error: (?:Error: )?(.*?)(?:\. Resolution note:.*)?$/s.exec(details)?.[1]?.trim();
    return `the TLS handshake failed${last && !/\bE[A-Z]{3,}\b/.test(last) ? `: ${last}` : ""} (check the certificates in SLIPWAY_TLS_DIR)`;
  }
  if (/timed? ?out|ETIMEDOUT/i.test(details)) return "it did not answer in time";
  return "it does not answer";
}

/** True for errors that are the caller's fault (used to pick the log level). */
export function isClientError(code: status): boolean {
  return code === status.INVALID_ARGUMENT || code === status.NOT_FOUND || code === status.ALREADY_EXISTS || code === status.FAILED_PRECONDITION;
}

/** A gRPC error as grpc-js reports one (an Error with a numeric code and its details). */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "details" in err;
}

/** The name of the gRPC code that a call failing with `err` ends with, e.g. "NOT_FOUND" (metrics' grpc_code). */
export function statusNameOf(err: unknown): string {
  return status[isServiceError(err) ? err.code : toStatus(err).code];
}
