/**
 * Credentials as the Engine API carries them: the X-Registry-Auth header (base64url of the JSON of an
 * AuthConfig, as the docker CLI encodes it) and the same JSON as a request body, read as dockerd 20.10
 * reads them (Go's base64.URLEncoding decoder feeding a json.Decoder into types.AuthConfig).
 */
import type { AuthConfig } from "./auth.js";
import { parseJsonLikeGo } from "./go-json.js";

/** types.AuthConfig's fields, by their JSON names. */
const FIELDS: ReadonlySet<string> = new Set(["username", "password", "auth", "email", "serveraddress", "identitytoken", "registrytoken"]);

/**
 * X-Registry-Auth as dockerd reads it; anything it cannot read is no credentials (dockerd then pulls
 * anonymously): base64 without its padding or with "+" and "/" (Go's URL decoder stops there, before
 * the JSON ends), JSON that is not an object, a known field that is not a string.
 */
export function decodeRegistryAuth(header: string | undefined): AuthConfig {
  if (header === undefined || header === "") return {};
  try {
    return parseAuthConfig(goUrlBase64Prefix(header).toString("utf8"));
  } catch {
    return {};
  }
}

/** The header as the docker CLI sends it: base64url with padding (Go's base64.URLEncoding). */
export function encodeRegistryAuth(config: object): string {
  return Buffer.from(JSON.stringify(config)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

/**
 * An AuthConfig from the first JSON value of the text, as Go's json.Decoder reads it (what follows is not
 * read): field names in any case, unknown fields and nulls skipped; throws Go's json error for text that
 * is not JSON, a value that is not an object, or a known field that is not a string.
 */
export function parseAuthConfig(json: string): AuthConfig {
  const document = firstJsonValue(json);
  if (document === null) return {};
  if (typeof document !== "object") throw new Error(`json: cannot unmarshal ${goKind(document)} into Go value of type types.AuthConfig`);
  if (Array.isArray(document)) throw new Error("json: cannot unmarshal array into Go value of type types.AuthConfig");
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(document)) {
    const field = key.toLowerCase();
    if (!FIELDS.has(field) || value === null) continue;
    if (typeof value !== "string") throw new Error(`json: cannot unmarshal ${goKind(value)} into Go struct field AuthConfig.${field} of type string`);
    config[field] = value;
  }
  return config;
}

function firstJsonValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const end = /after JSON at position (\d+)/.exec((err as Error).message);
    return parseJsonLikeGo(end ? text.slice(0, Number(end[1])) : text);
  }
}

/** What Go's streaming base64.URLEncoding decoder yields before its first error: whole quanta, CR and LF skipped. */
function goUrlBase64Prefix(text: string): Buffer {
  const quanta = /^(?:[\w-]{4})*(?:[\w-]{2}==|[\w-]{3}=)?/.exec(text.replace(/[\r\n]/g, ""))![0];
  return Buffer.from(quanta, "base64url");
}

function goKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  return typeof value === "object" ? "object" : typeof value === "boolean" ? "bool" : typeof value;
}
