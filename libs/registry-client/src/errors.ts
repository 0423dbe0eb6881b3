/**
 * Errors worded as dockerd 20.10 words them (distribution's errcode texts, Go's url.Error prefixes, moby's
 * pull translations), each with the errdefs category engine-api turns into an HTTP status and whether
 * dockerd's transfer manager would retry it.
 */
import { familiarName, familiarString, type Reference } from "@slipway/docker-spec";

/** dockerd's errdefs classes that registry errors fall into. */
export type ErrorCategory = "not-found" | "invalid-parameter" | "unauthorized" | "unknown";

export interface RegistryErrorOptions {
  readonly category?: ErrorCategory;
  /** True when dockerd's retryOnError would try again (default false). */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/** Every error this library throws. */
export class RegistryError extends Error {
  override name = "RegistryError";
  readonly category: ErrorCategory;
  readonly retryable: boolean;

  constructor(message: string, options: RegistryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.category = options.category ?? "unknown";
    this.retryable = options.retryable ?? false;
  }
}

/**
 * One entry of a registry's error body (distribution's errcode.Error). `code` is distribution's value
 * ("MANIFEST_UNKNOWN"), or "UNKNOWN" for a code the client does not know. `bare` is set where Go's decoder
 * keeps only the code (no detail and the code's own message): such an entry prints as the code alone and
 * dockerd does not translate it.
 */
export interface ErrcodeEntry {
  readonly code: string;
  readonly message: string;
  readonly detail?: unknown;
  readonly bare: boolean;
}

/** distribution's error codes and their default messages (registry/api/errcode and api/v2). */
export const ERRCODE_MESSAGES: Readonly<Record<string, string>> = {
  UNKNOWN: "unknown error",
  UNSUPPORTED: "The operation is unsupported.",
  UNAUTHORIZED: "authentication required",
  DENIED: "requested access to the resource is denied",
  UNAVAILABLE: "service unavailable",
  TOOMANYREQUESTS: "too many requests",
  DIGEST_INVALID: "provided digest did not match uploaded content",
  SIZE_INVALID: "provided length did not match content length",
  NAME_INVALID: "invalid repository name",
  TAG_INVALID: "manifest tag did not match URI",
  NAME_UNKNOWN: "repository name not known to registry",
  MANIFEST_UNKNOWN: "manifest unknown",
  MANIFEST_INVALID: "manifest invalid",
  MANIFEST_UNVERIFIED: "manifest failed signature verification",
  MANIFEST_BLOB_UNKNOWN: "blob unknown to registry",
  BLOB_UNKNOWN: "blob unknown to registry",
  BLOB_UPLOAD_UNKNOWN: "blob upload unknown to registry",
  BLOB_UPLOAD_INVALID: "blob upload invalid",
};

// retryOnError: these codes are final, every other registry answer may be retried.
const FINAL_CODES = new Set(["UNAUTHORIZED", "UNSUPPORTED", "DENIED", "TOOMANYREQUESTS", "NAME_UNKNOWN"]);

/** "manifest unknown: manifest unknown", or "manifest unknown" for a bare entry (errcode's Error()). */
export function errcodeText(entry: ErrcodeEntry): string {
  const code = entry.code.toLowerCase().replaceAll("_", " ");
  return entry.bare ? code : `${code}: ${entry.message}`;
}

/** An entry as Go's errcode decoder makes it from a code, a message and a detail. */
export function errcodeEntry(code: string, message: string, detail?: unknown): ErrcodeEntry {
  const known = ERRCODE_MESSAGES[code] !== undefined ? code : "UNKNOWN";
  const bare = detail === undefined && (message === "" || message === ERRCODE_MESSAGES[known]);
  return { code: known, message, bare, ...(detail === undefined ? {} : { detail }) };
}

/**
 * A registry answered with an error status: a list of errcode entries, or none when the body could not
 * be read as one (then the message is distribution's "error parsing HTTP …" or "received unexpected HTTP
 * status: …").
 */
export class RegistryResponseError extends RegistryError {
  override name = "RegistryResponseError";

  constructor(
    readonly status: number,
    readonly errors: readonly ErrcodeEntry[],
    message: string,
  ) {
    super(message, { retryable: isRetryableAnswer(status, errors) });
  }

  /** The first entry, which is the one dockerd reports and classifies by. */
  get first(): ErrcodeEntry | undefined {
    return this.errors[0];
  }
}

function isRetryableAnswer(status: number, errors: readonly ErrcodeEntry[]): boolean {
  const first = errors[0];
  if (first === undefined) return status >= 500 || status < 400; // an unreadable 4xx body is final
  return first.bare || !FINAL_CODES.has(first.code);
}

/** A registry answer made of errcode entries, printed as Go prints errcode.Errors. */
export function errcodeError(status: number, errors: readonly ErrcodeEntry[]): RegistryResponseError {
  const text = errors.length === 1 ? errcodeText(errors[0]!) : `errors:\n${errors.map((e) => `${errcodeText(e)}\n`).join("")}`;
  return new RegistryResponseError(status, errors, text);
}

/**
 * A request that got no usable answer: a connection, TLS or authorization failure. Printed as Go's
 * url.Error: `Get "https://host/v2/": <cause>`; it is retried unless its cause is final.
 */
export class RequestError extends RegistryError {
  override name = "RequestError";

  constructor(
    readonly method: string,
    readonly url: string,
    readonly causeText: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(`${goMethod(method)} "${url}": ${causeText}`, { retryable: options.retryable ?? true, cause: options.cause });
  }
}

/** Go's url.Error operation name: "Get", "Head", "Post", … */
function goMethod(method: string): string {
  return method.charAt(0).toUpperCase() + method.slice(1).toLowerCase();
}

/** Bytes that do not hash to the digest they were asked for. Nothing read under that digest is good. */
export class DigestMismatchError extends RegistryError {
  override name = "DigestMismatchError";

  constructor(
    what: "filesystem layer" | "image config" | "manifest",
    readonly digest: string,
  ) {
    super(`${what} verification failed for digest ${digest}`);
  }
}

/**
 * The error of a whole pull as dockerd reports it (TranslatePullError): a denied, unknown-manifest or
 * unknown-repository answer becomes "not found" with the user's reference in it; anything else keeps its
 * text. Only the first errcode entry counts, as in dockerd.
 */
export function pullError(err: unknown, ref: Reference): RegistryError {
  if (err instanceof RegistryResponseError && err.first !== undefined) {
    const first = err.first;
    const text = errcodeText(first);
    if (!first.bare) {
      const notFound = notFoundText(first.code, text, ref);
      if (notFound !== undefined) return new RegistryError(notFound, { category: "not-found", cause: err });
    }
    return err.errors.length === 1 ? err : new RegistryError(text, { cause: err });
  }
  if (err instanceof RegistryError) return err;
  return new RegistryError(err instanceof Error ? err.message : String(err), { cause: err });
}

function notFoundText(code: string, text: string, ref: Reference): string | undefined {
  switch (code) {
    case "DENIED":
      return `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${text}`;
    case "MANIFEST_UNKNOWN":
      return `manifest for ${familiarString(ref)} not found: ${text}`;
    case "NAME_UNKNOWN":
      return `repository ${familiarName(ref)} not found: ${text}`;
    default:
      return undefined;
  }
}

/**
 * A failed blob transfer as dockerd's transfer manager reports it (retryOnError): a request that got no
 * usable answer by its cause alone ("no basic auth credentials", "dial tcp …: connect: connection
 * refused"), without Go's url.Error prefix; any other error unchanged.
 */
export function transferError(err: unknown): unknown {
  if (!(err instanceof RequestError)) return err;
  const category = err.cause instanceof RegistryError ? err.cause.category : "unknown";
  return new RegistryError(err.causeText, { cause: err, retryable: err.retryable, category });
}
