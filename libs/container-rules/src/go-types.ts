import { internal, type SlipwayError } from "@slipway/errors";

/**
 * A small model of Go types, enough to decode JSON the way encoding/json fills dockerd's structs
 * (unknown keys ignored, keys matched case-insensitively, missing keys and `null` leave zero values,
 * `null` clears slices, maps and pointers) and to encode them back in struct order with `omitempty`.
 * Decoded values are plain JS: a struct is an object holding every field in order, nil is `null`.
 */
export type GoType = (
  | { readonly kind: "string" | "bool" | "strslice" | "any" }
  | { readonly kind: "int"; readonly go: string; readonly unsigned: boolean }
  | { readonly kind: "slice" | "map" | "ptr"; readonly of: GoType }
  | { readonly kind: "array"; readonly of: GoType; readonly length: number }
  | { readonly kind: "struct"; readonly name: string; readonly fields: readonly GoField[] }
) & { readonly named?: string };

/** A Go named type (e.g. container.NetworkMode over string): decodes as `type`, named so in errors. */
export const goNamed = <T extends GoType>(type: T, name: string): T => ({ ...type, named: name });

/** Where a value sits, for Go's error text: the innermost struct's type name and the key path from the top. */
export interface GoPath {
  readonly struct: string;
  readonly path: string;
}

export interface GoField {
  readonly name: string;
  readonly type: GoType;
  readonly omitempty: boolean;
}

export type GoStruct = Record<string, unknown>;

export const goString: GoType = { kind: "string" };
export const goBool: GoType = { kind: "bool" };
/** strslice.StrSlice: a JSON string decodes as a one-element list. */
export const goStrSlice: GoType = { kind: "strslice" };
/** A value kept as the JSON gave it (fields Slipway passes through untouched). */
export const goAny: GoType = { kind: "any" };
export const goInt = (go = "int64"): GoType => ({ kind: "int", go, unsigned: go.startsWith("uint") });
export const goSlice = (of: GoType): GoType => ({ kind: "slice", of });
export const goMap = (of: GoType): GoType => ({ kind: "map", of });
export const goPtr = (of: GoType): GoType => ({ kind: "ptr", of });
export const goArray = (of: GoType, length: number): GoType => ({ kind: "array", of, length });
/** map[string]struct{}, as ExposedPorts and Volumes. */
export const goSet: GoType = goMap({ kind: "struct", name: "struct {}", fields: [] });

/** Builds a struct type from [name, type, "omitempty"?] rows, in Go field order. */
export function goStruct(name: string, rows: ReadonlyArray<readonly [string, GoType, "omitempty"?]>): GoType & { kind: "struct" } {
  return { kind: "struct", name, fields: rows.map(([field, type, omit]) => ({ name: field, type, omitempty: omit === "omitempty" })) };
}

/** The zero value of a type: "", false, 0, nil, or a struct of zero values (a new object each time). */
export function zeroValue(type: GoType): unknown {
  return zeroMaker(type)();
}

/** Per type, a function that builds its zero value: a create decodes and encodes hundreds of fields. */
const zeroMakers = new WeakMap<GoType, () => unknown>();

function zeroMaker(type: GoType): () => unknown {
  let make = zeroMakers.get(type);
  if (!make) zeroMakers.set(type, (make = compileZeroMaker(type)));
  return make;
}

function compileZeroMaker(type: GoType): () => unknown {
  switch (type.kind) {
    case "string":
      return () => "";
    case "bool":
      return () => false;
    case "int":
      return () => 0;
    case "array": {
      const item = zeroMaker(type.of);
      return () => Array.from({ length: type.length }, () => item());
    }
    case "struct": {
      const fields = type.fields.map((f) => [f.name, zeroMaker(f.type)] as const);
      return () => {
        const out: GoStruct = {};
        for (const [name, make] of fields) out[name] = make();
        return out;
      };
    }
    default:
      return () => null;
  }
}

/**
 * Decodes parsed JSON into a Go value of `type`; a type mismatch throws Go's unmarshal error (a 500 in
 * dockerd). `at` names the struct holding the value and its key path, when it is a field.
 */
export function decodeGo(type: GoType, json: unknown, at?: GoPath): unknown {
  return decode(type, json, at, zeroValue(type));
}

function decode(type: GoType, json: unknown, where: GoPath | undefined, current: unknown): unknown {
  if (json === null)
    return type.kind === "slice" || type.kind === "map" || type.kind === "ptr" || type.kind === "strslice" || type.kind === "any" ? null : current;
  switch (type.kind) {
    case "any":
      return json;
    case "string":
      if (typeof json !== "string") throw mismatch(json, type, where);
      return json;
    case "bool":
      if (typeof json !== "boolean") throw mismatch(json, type, where);
      return json;
    case "int":
      if (typeof json !== "number" || !Number.isInteger(json) || (type.unsigned && json < 0)) throw mismatch(json, type, where);
      return json;
    case "strslice":
      if (typeof json === "string") return [json];
      if (!Array.isArray(json)) throw internal(`json: cannot unmarshal ${jsonKind(json)} into Go value of type string`);
      return decode(goSlice(goString), json, where, null);
    case "slice":
      if (!Array.isArray(json)) throw mismatch(json, type, where);
      return json.map((item) => decode(type.of, item, where, zeroValue(type.of)));
    case "array":
      if (!Array.isArray(json)) throw mismatch(json, type, where);
      return Array.from({ length: type.length }, (_, i) => (i < json.length ? decode(type.of, json[i], where, 0) : zeroValue(type.of)));
    case "map":
      if (!isObject(json)) throw mismatch(json, type, where);
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, decode(type.of, v, where, zeroValue(type.of))]));
    case "ptr":
      return decode(type.of, json, where, current ?? zeroValue(type.of));
    case "struct":
      if (!isObject(json)) throw mismatch(json, type, where);
      return decodeStruct(type, json, where, current as GoStruct);
  }
}

function decodeStruct(
  type: GoType & { kind: "struct" },
  json: Record<string, unknown>,
  where: GoPath | undefined,
  current: GoStruct | null,
): GoStruct {
  const out: GoStruct = { ...(current ?? (zeroValue(type) as GoStruct)) };
  const struct = where?.path === "" ? where.struct : type.name.slice(type.name.lastIndexOf(".") + 1);
  for (const [key, value] of Object.entries(json)) {
    const field = findField(type, key);
    if (!field) continue;
    const path = where?.path ? `${where.path}.${field.name}` : field.name;
    out[field.name] = decode(field.type, value, { struct, path }, out[field.name]);
  }
  return out;
}

/** encoding/json matches an exact field name first, then one that is equal ignoring case. */
export function findField(type: GoType & { kind: "struct" }, key: string): GoField | undefined {
  const { exact, folded } = fieldIndex(type);
  return exact.get(key) ?? folded.get(key.toLowerCase());
}

const fieldIndexes = new WeakMap<GoType, { exact: Map<string, GoField>; folded: Map<string, GoField> }>();

/** A struct's fields by name and by lower-cased name (the first field wins, as Go's scan in field order). */
function fieldIndex(type: GoType & { kind: "struct" }) {
  let index = fieldIndexes.get(type);
  if (!index) {
    index = { exact: new Map(), folded: new Map() };
    for (const field of type.fields) {
      if (!index.exact.has(field.name)) index.exact.set(field.name, field);
      if (!index.folded.has(field.name.toLowerCase())) index.folded.set(field.name.toLowerCase(), field);
    }
    fieldIndexes.set(type, index);
  }
  return index;
}

/** Encodes a Go value into plain JSON in struct order, with omitempty applied and map keys sorted as Go sorts them. */
export function encodeGo(type: GoType, value: unknown): unknown {
  if (value === null || value === undefined)
    return type.kind === "struct" || type.kind === "array" ? encodeGo(type, zeroValue(type)) : zeroOrNull(type);
  switch (type.kind) {
    case "slice":
    case "strslice":
      return (value as unknown[]).map((item) => encodeGo(type.kind === "slice" ? type.of : goString, item));
    case "array":
      return (value as unknown[]).map((item) => encodeGo(type.of, item));
    case "map": {
      const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      // A Map keeps Go's sorted order even for integer-like keys, which plain objects would reorder.
      return new Map(entries.map(([k, v]) => [k, encodeGo(type.of, v)]));
    }
    case "ptr":
      return encodeGo(type.of, value);
    case "struct": {
      const struct = value as GoStruct;
      const out: Record<string, unknown> = {};
      for (const field of type.fields) {
        const item = struct[field.name];
        if (field.omitempty && isEmptyValue(field.type, item)) continue;
        out[field.name] = encodeGo(field.type, item);
      }
      return out;
    }
    default:
      return value;
  }
}

function zeroOrNull(type: GoType): unknown {
  return type.kind === "string" || type.kind === "bool" || type.kind === "int" ? zeroValue(type) : null;
}

/** Go's omitempty test: false, 0, "", nil, and empty slices and maps. */
export function isEmptyValue(type: GoType, value: unknown): boolean {
  if (value === null || value === undefined || value === "" || value === false || value === 0) return true;
  if (type.kind === "struct" || type.kind === "array") return false;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && type.kind === "map" && Object.keys(value).length === 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function goName(type: GoType): string {
  if (type.named) return type.named;
  switch (type.kind) {
    case "int":
      return type.go;
    case "struct":
      return type.name;
    case "slice":
      return `[]${goName(type.of)}`;
    case "map":
      return `map[string]${goName(type.of)}`;
    case "array":
      return `[${type.length}]${goName(type.of)}`;
    case "ptr":
      return `*${goName(type.of)}`;
    default:
      return type.kind === "strslice" ? "strslice.StrSlice" : type.kind;
  }
}

/** Go's description of the offending JSON: a number names its literal only when it was the wrong kind of number. */
function jsonKind(value: unknown, type?: GoType): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return type?.kind === "int" ? `number ${value}` : "number";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "object" : typeof value;
}

function mismatch(json: unknown, type: GoType, where: GoPath | undefined): SlipwayError {
  const field = where ? ` into Go struct field ${where.struct}.${where.path}` : " into Go value";
  return internal(`json: cannot unmarshal ${jsonKind(json, type)}${field} of type ${goName(type)}`);
}
