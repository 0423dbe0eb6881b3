import { configType, encodeGo, goMap, goString } from "@slipway/container-rules";
import { goJson } from "@slipway/docker-spec";

export { goJson };

/** A container.Config as Go re-marshals it: known fields only, in struct order, omitempty applied. */
export function containerConfig(raw: unknown): unknown {
  return encodeGo(configType, isObject(raw) ? raw : undefined);
}

/** A name → (key → value) map, both levels in Go's sorted key order (repositories.json, `repositories`). */
export function sortedNestedMap(map: Record<string, Record<string, string>>): unknown {
  return encodeGo(goMap(goMap(goString)), map);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
