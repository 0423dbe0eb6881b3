/**
 * What distribution's client makes of an error answer (HandleErrorResponse): OAuth errors from a Bearer
 * challenge first, then the JSON error body, then Go's texts for bodies it cannot read.
 */
import { parseChallenges } from "./challenge.js";
import { parseJsonLikeGo } from "./go-json.js";
import { ERRCODE_MESSAGES, RegistryError, RegistryResponseError, errcodeEntry, errcodeError, type ErrcodeEntry } from "./errors.js";
import { readBody, type HttpResponse } from "./transport.js";

// Error bodies are small JSON documents; a larger one is cut (and then fails to parse, as Go's would not).
const ERROR_BODY_LIMIT = 64 * 1024;

export interface ErrorAnswer {
  readonly status: number;
  /** "Not Found"; Go prints "404 Not Found". */
  readonly statusText: string;
  /** The WWW-Authenticate header, if any. */
  readonly wwwAuthenticate?: string;
  readonly body: string;
}

/** The error for an answer outside 2xx/3xx, its body read. */
export async function errorFromResponse(response: HttpResponse): Promise<RegistryResponseError> {
  let body = "";
  try {
    body = (await readBody(response, ERROR_BODY_LIMIT, () => new RegistryError("error body too large"))).toString("utf8");
  } catch {
    // an unreadable or oversized error body is parsed as what arrived: nothing
  }
  const wwwAuthenticate = response.header("www-authenticate");
  return responseError({
    status: response.status,
    statusText: response.statusText,
    body,
    ...(wwwAuthenticate !== undefined ? { wwwAuthenticate } : {}),
  });
}

/** The error for an answer outside 2xx/3xx. */
export function responseError(answer: ErrorAnswer): RegistryResponseError {
  const { status, body } = answer;
  if (status < 400 || status >= 500) {
    return new RegistryResponseError(status, [], `received unexpected HTTP status: ${status} ${answer.statusText}`.trimEnd());
  }
  const oauth = status === 401 ? oauthError(answer.wwwAuthenticate ?? "") : undefined;
  const parsed = parseErrorBody(status, body);
  if (oauth !== undefined) return errcodeError(status, [oauth, ...(Array.isArray(parsed) ? parsed : [])]);
  if (Array.isArray(parsed)) return errcodeError(status, parsed);
  if (status === 401) return errcodeError(status, [errcodeEntry("UNAUTHORIZED", ERRCODE_MESSAGES.UNAUTHORIZED!, body)]);
  return new RegistryResponseError(status, [], `error parsing HTTP ${status} response body: ${parsed}: ${JSON.stringify(body)}`);
}

// RFC 6750 §3.1 error codes in a Bearer challenge.
function oauthError(header: string): ErrcodeEntry | undefined {
  for (const challenge of parseChallenges(header)) {
    if (challenge.scheme !== "bearer") continue;
    const code = { invalid_token: "UNAUTHORIZED", insufficient_scope: "DENIED" }[challenge.parameters.error ?? ""];
    if (code === undefined) continue;
    const description = challenge.parameters.error_description ?? "";
    // Go builds this entry directly (never bare), with the code's message when no description is given.
    return { code, message: description === "" ? ERRCODE_MESSAGES[code]! : description, bare: false };
  }
  return undefined;
}

/** The errcode entries of a body, or the text of Go's reason for not reading any. */
function parseErrorBody(status: number, body: string): ErrcodeEntry[] | string {
  let document: unknown;
  try {
    document = parseJsonLikeGo(body);
  } catch (err) {
    return (err as Error).message;
  }
  const fields = caseInsensitive(document);
  // The older {"details": "…"} form (Docker Hub's token server among others).
  if (typeof fields.details === "string" && fields.details !== "") {
    const code = status === 401 ? "UNAUTHORIZED" : status === 429 ? "TOOMANYREQUESTS" : "UNKNOWN";
    return [errcodeEntry(code, fields.details, undefined)];
  }
  if (document !== null && typeof document !== "object")
    return `json: cannot unmarshal ${goKind(document)} into Go value of type struct { Errors []errcode.Error }`;
  if (Array.isArray(document)) return "json: cannot unmarshal array into Go value of type struct { Errors []errcode.Error }";
  const list = Array.isArray(fields.errors) ? fields.errors : [];
  const entries = list.map((item) => {
    const entry = caseInsensitive(item);
    const detail = entry.detail === null ? undefined : entry.detail;
    return errcodeEntry(typeof entry.code === "string" ? entry.code : "UNKNOWN", typeof entry.message === "string" ? entry.message : "", detail);
  });
  return entries.length > 0 ? entries : "no error details found in HTTP response body";
}

// Go's encoding/json matches field names case-insensitively.
function caseInsensitive(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key.toLowerCase(), field]));
}

function goKind(value: unknown): string {
  return typeof value === "boolean" ? "bool" : typeof value;
}
