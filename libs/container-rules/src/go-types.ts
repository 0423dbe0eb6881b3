import { internal } from "@slipway/errors";
import { GoNumber } from "./json-input.js";
import { perType } from "./per-type.js";

/**
 * A small model of Go types, enough to decode JSON the way encoding/json fills dockerd's structs
 * (unknown keys ignored, keys matched case-insensitively, missing keys and `null` leave zero values,
 * `null` clears slices, maps and pointers) and to encode them back in struct order with `omitempty`
 * (go-encode.ts). Decoded values are plain JS: a struct is an object holding every field in order, nil is
 * `null`. Each type's zero maker and decoder is compiled once, on first use.
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

const zeroMaker = perType(compileZeroMaker);

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
    case "struct":
      return structZeroMaker(type);
    default:
      return () => null;
  }
}

/**
 * A struct's zero value as one object literal, generated once per struct type. V8 builds a literal in
 * one step with a shape of its own; a loop or spread shared by every struct type goes through generic
 * (megamorphic) property stores, field by field, many times slower for HostConfig's 70 fields. Field
 * names go into the code as JSON string literals; a field that is a struct or array gets a fresh value.
 */
function structZeroMaker(type: GoType & { kind: "struct" }): () => GoStruct {
  const fresh: (() => unknown)[] = [];
  const members = type.fields.map(({ name, type: fieldType }) => {
    const make = zeroMaker(fieldType);
    const zero = fieldType.kind === "struct" || fieldType.kind === "array" ? `fresh[${fresh.push(make) - 1}]()` : JSON.stringify(make());
    return `${JSON.stringify(name)}: ${zero}`;
  });
  const compile = new Function("fresh", `return () => ({ ${members.join(", ")} });`) as (makers: typeof fresh) => () => GoStruct;
  return compile(fresh);
}

/**
 * Decodes parsed JSON into a Go value of `type`; a type mismatch throws Go's unmarshal error (a 500 in
 * dockerd). `at` names the struct holding the value and its key path, when it is a field. `into` is the
 * value already there (a zero value by default): Go decodes a second key of the same field over it.
 */
export function decodeGo(type: GoType, json: unknown, at?: GoPath, into: unknown = zeroValue(type)): unknown {
  return decoderOf(type)(json, at, into);
}

/**
 * Decodes one JSON value found at `where` into `current`, the value already there (a zero value, or
 * what an earlier key of the same field decoded: Go fills the existing struct, as it does a pointer's
 * target). `current` is always this decode's own, so structs are filled in place.
 */
type Decoder = (json: unknown, where: GoPath | undefined, current: unknown) => unknown;

const decoderOf = perType(compileDecoder);

const STRINGS = goSlice(goString);

/** `null` sets a value whose zero value is nil (slice, map, pointer) to nil, and leaves any other as it was. */
function compileDecoder(type: GoType): Decoder {
  const decode = compileValueDecoder(type);
  const nilable = zeroValue(type) === null;
  return (json, where, current) => (json !== null ? decode(json, where, current) : nilable ? null : current);
}

/** The decoder of a non-null JSON value. */
function compileValueDecoder(type: GoType): Decoder {
  switch (type.kind) {
    case "any":
      return (json) => json;
    case "string":
      return (json, where) => (typeof json === "string" ? json : mismatch(json, type, where));
    case "bool":
      return (json, where) => (typeof json === "boolean" ? json : mismatch(json, type, where));
    case "int": {
      const [min, max] = intRange(type.go);
      const digits = type.unsigned ? /^[0-9]+$/ : /^-?[0-9]+$/;
      return (json, where) => {
        if (typeof json === "number") return Number.isInteger(json) && json >= min && json <= max ? json : mismatch(json, type, where);
        const exact = json instanceof GoNumber && digits.test(json.literal) ? BigInt(json.literal) : undefined;
        if (exact === undefined || exact < min || exact > max) return mismatch(json, type, where);
        return Number.isSafeInteger(Number(exact)) ? Number(exact) : exact;
      };
    }
    case "strslice": {
      const strings = decoderOf(STRINGS);
      return (json, where) => {
        if (typeof json === "string") return [json];
        if (!Array.isArray(json)) throw internal(`json: cannot unmarshal ${jsonKind(json)} into Go value of type string`);
        return strings(json, where, null);
      };
    }
    case "slice": {
      const [item, zero] = [decoderOf(type.of), zeroMaker(type.of)];
      return (json, where) => {
        if (!Array.isArray(json)) return mismatch(json, type, where);
        const out: unknown[] = [];
        for (const value of json) out.push(item(value, where, zero()));
        return out;
      };
    }
    case "array": {
      const [item, zero] = [decoderOf(type.of), zeroMaker(type.of)];
      return (json, where) => {
        if (!Array.isArray(json)) return mismatch(json, type, where);
        return Array.from({ length: type.length }, (_, i) => (i < json.length ? item(json[i], where, zero()) : zero()));
      };
    }
    case "map": {
      const [item, zero] = [decoderOf(type.of), zeroMaker(type.of)];
      return (json, where) => {
        if (!isObject(json)) return mismatch(json, type, where);
        // fromEntries, not assignment: a key such as "__proto__" must stay an ordinary key.
        return Object.fromEntries(Object.keys(json).map((key) => [key, item(json[key], where, zero())]));
      };
    }
    case "ptr": {
      const [target, zero] = [decoderOf(type.of), zeroMaker(type.of)];
      return (json, where, current) => target(json, where, current ?? zero());
    }
    case "struct":
      return structDecoder(type);
  }
}

function structDecoder(type: GoType & { kind: "struct" }): Decoder {
  const make = zeroMaker(type);
  const decoders = type.fields.map((field) => decoderOf(field.type));
  const shortName = type.name.slice(type.name.lastIndexOf(".") + 1);
  return (json, where, current) => {
    if (!isObject(json)) return mismatch(json, type, where);
    const out = (current ?? make()) as GoStruct;
    const struct = where?.path === "" ? where.struct : shortName;
    for (const key of Object.keys(json)) {
      const position = fieldPosition(type, key);
      if (position === undefined) continue;
      const name = type.fields[position]!.name;
      const path = where?.path ? `${where.path}.${name}` : name;
      out[name] = decoders[position]!(json[key], { struct, path }, out[name]);
    }
    return out;
  };
}

/** encoding/json matches an exact field name first, then one that is equal ignoring case. */
export function findField(type: GoType & { kind: "struct" }, key: string): GoField | undefined {
  const position = fieldPosition(type, key);
  return position === undefined ? undefined : type.fields[position];
}

function fieldPosition(type: GoType & { kind: "struct" }, key: string): number | undefined {
  const { exact, folded } = fieldIndex(type);
  return exact.get(key) ?? folded.get(key.toLowerCase());
}

/** A struct's field positions by name and by lower-cased name (the first field wins, as Go's scan in field order). */
const fieldIndex = perType((type) => {
  const index = { exact: new Map<string, number>(), folded: new Map<string, number>() };
  (type as GoType & { kind: "struct" }).fields.forEach((field, position) => {
    if (!index.exact.has(field.name)) index.exact.set(field.name, position);
    if (!index.folded.has(field.name.toLowerCase())) index.folded.set(field.name.toLowerCase(), position);
  });
  return index;
});

/**
 * The values a Go integer type holds, as strconv.ParseInt or ParseUint and the overflow check allow (int
 * and uint are 64 bits wide here). An integer beyond JS's safe range is decoded as a bigint, so that it is
 * written back exactly as Go would.
 */
function intRange(go: string): readonly [bigint, bigint] {
  const bits = BigInt(/[0-9]+$/.exec(go)?.[0] ?? 64);
  return go.startsWith("uint") ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof GoNumber);
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
  if (value instanceof GoNumber) return type?.kind === "int" ? `number ${value.literal}` : "number";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "object" : typeof value;
}

/** Throws Go's unmarshal error for JSON of the wrong kind for `type`. */
function mismatch(json: unknown, type: GoType, where: GoPath | undefined): never {
  const field = where ? ` into Go struct field ${where.struct}.${where.path}` : " into Go value";
  throw internal(`json: cannot unmarshal ${jsonKind(json, type)}${field} of type ${goName(type)}`);
}
