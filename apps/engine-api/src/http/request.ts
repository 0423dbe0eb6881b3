import type { IncomingMessage } from "node:http";
import { invalidArgument } from "@slipway/errors";
import type { types } from "@slipway/proto";

/** dockerd's boolean query values: absent, "", "0", "no", "false" and "none" are false, anything else true. */
export function boolParam(query: URLSearchParams, name: string): boolean {
  const value = (query.get(name) ?? "").trim().toLowerCase();
  return !["", "0", "no", "false", "none"].includes(value);
}

/** An integer query value, or the fallback when absent. */
export function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw invalidArgument(`query parameter ${name}=${raw} is not an integer`);
  }
  return Number(raw);
}

/**
 * The `filters` query: JSON in the CLI's map-of-bool form `{"name":{"demo":true}}` or the older list form
 * `{"name":["demo"]}`, as each key to its values.
 */
export function filtersParam(query: URLSearchParams): Record<string, types.StringList> {
  const raw = query.get("filters");
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalidArgument(`filters is not valid JSON (${(err as Error).message}); send e.g. {"name":{"demo":true}}`);
  }
  if (!isObject(parsed)) throw invalidArgument(`filters must be a JSON object such as {"name":{"demo":true}}, not ${raw}`);
  return Object.fromEntries(Object.entries(parsed).map(([key, values]) => [key, { values: filterValues(key, values) }]));
}

function filterValues(key: string, values: unknown): string[] {
  if (Array.isArray(values) && values.every((v) => typeof v === "string")) return values;
  if (isObject(values) && Object.values(values).every((v) => typeof v === "boolean")) return Object.keys(values);
  throw invalidArgument(`filter ${key} must map values to true ({"${key}":{"value":true}}) or list them`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** dockerd's CheckForJSON: a body must be declared application/json (a bodiless request may omit the type). */
export function requireJsonContentType(req: IncomingMessage): void {
  const type = req.headers["content-type"] ?? "";
  if (type === "" && !hasBody(req)) return;
  if (type.split(";")[0]!.trim().toLowerCase() === "application/json") return;
  throw invalidArgument(`Content-Type specified (${type}) must be 'application/json'`);
}

/** Does the request carry a body (chunked, or a Content-Length above 0)? */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}
