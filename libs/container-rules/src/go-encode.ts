import { goJson, goJsonString } from "@slipway/docker-spec";
import { goString, zeroValue, type GoField, type GoStruct, type GoType } from "./go-types.js";
import { perType } from "./per-type.js";

/**
 * Go values (as decodeGo makes them) encoded as encoding/json marshals them: struct fields in struct order
 * with `omitempty` applied, map keys sorted as Go sorts them, nil slices, maps and pointers as null. Each
 * type's encoders are compiled once, on first use.
 */

/** Encodes a Go value into plain JSON in struct order, with omitempty applied and map keys sorted as Go sorts them. */
export function encodeGo(type: GoType, value: unknown): unknown {
  return encoderOf(type)(value);
}

/**
 * The same encoding as Go-JSON text, without the intermediate objects: for any value decodeGo or
 * JSON.parse makes, `encodeGoJson(type, value) === goJson(encodeGo(type, value))`. The cheaper way to
 * write a whole document (Config, HostConfig).
 */
export function encodeGoJson(type: GoType, value: unknown): string {
  return jsonEncoderOf(type)(value);
}

/** Go's omitempty test: false, 0, "", nil, and empty slices and maps. */
export function isEmptyValue(type: GoType, value: unknown): boolean {
  if (value === null || value === undefined || value === "" || value === false || value === 0) return true;
  if (type.kind === "struct" || type.kind === "array") return false;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && type.kind === "map" && Object.keys(value).length === 0;
}

type Encoder<T> = (value: unknown) => T;

const encoderOf = perType(compileEncoder);

function compileEncoder(type: GoType): Encoder<unknown> {
  switch (type.kind) {
    case "slice":
    case "strslice":
    case "array": {
      const item = encoderOf(itemType(type));
      return withNil(type, null, (value) => (value as unknown[]).map((v) => item(v)));
    }
    case "map": {
      const item = encoderOf(type.of);
      // A Map keeps Go's sorted order even for integer-like keys, which plain objects would reorder.
      return withNil(type, null, (value) => new Map(sortedKeys(value).map((key) => [key, item((value as GoStruct)[key])])));
    }
    case "ptr":
      return withNil(type, null, encoderOf(type.of));
    case "struct": {
      const encoders = type.fields.map((field) => encoderOf(field.type));
      const encode = unrolledFields<unknown>(
        type,
        { encoders },
        "const out = {};",
        (field, i) => `out[${JSON.stringify(field.name)}] = encoders[${i}](item);`,
        "return out;",
      );
      return withNil(type, null, encode);
    }
    default:
      return withNil(type, null, (value) => value);
  }
}

const jsonEncoderOf = perType(compileJsonEncoder);

function compileJsonEncoder(type: GoType): Encoder<string> {
  // A value of another shape than the type describes (from undecoded JSON) takes the object path, which defines the result.
  const otherShape = (value: unknown) => goJson(encodeGo(type, value));
  switch (type.kind) {
    case "slice":
    case "strslice":
    case "array": {
      const item = jsonEncoderOf(itemType(type));
      return withNil(type, "null", (value) => {
        if (!Array.isArray(value)) return otherShape(value);
        let out = "[";
        for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + item(value[i]);
        return `${out}]`;
      });
    }
    case "map": {
      const item = jsonEncoderOf(type.of);
      return withNil(type, "null", (value) => {
        if (typeof value !== "object" || Array.isArray(value)) return otherShape(value);
        let out = "{";
        for (const key of sortedKeys(value)) out += `${out.length === 1 ? "" : ","}${goJsonString(key)}:${item((value as GoStruct)[key])}`;
        return `${out}}`;
      });
    }
    case "ptr":
      return withNil(type, "null", jsonEncoderOf(type.of));
    case "struct": {
      const encoders = type.fields.map((field) => jsonEncoderOf(field.type));
      const encode = unrolledFields<string>(
        type,
        { encoders, otherShape },
        'if (typeof value !== "object") return otherShape(value); let out = "{";',
        // The key as Go-JSON text (`"Name":`), escaped once here.
        (field, i) => `out += (out.length === 1 ? "" : ",") + ${JSON.stringify(`${goJsonString(field.name)}:`)} + encoders[${i}](item);`,
        'return out + "}";',
      );
      return withNil(type, "null", encode);
    }
    default:
      return withNil(type, "null", goJson);
  }
}

/**
 * A struct's encoder, generated once per struct type with its fields unrolled in struct order: each field
 * is read by a statement of its own, so each property access sees one object shape. A loop over the
 * fields shared by every struct type makes the same accesses generic (megamorphic), several times
 * slower. Field names go into the code as JSON string literals; `write` adds the field's encoded `item`
 * to `out`, skipped for an empty `omitempty` field; `scope` names the values the code uses.
 */
function unrolledFields<T>(
  type: GoType & { kind: "struct" },
  scope: Record<string, unknown>,
  start: string,
  write: (field: GoField, position: number) => string,
  end: string,
): Encoder<T> {
  const statements = type.fields.map((field, i) => {
    const omit = field.omitempty ? `if (!isEmptyValue(types[${i}], item)) ` : "";
    return `item = value[${JSON.stringify(field.name)}]; ${omit}${write(field, i)}`;
  });
  const code = `return (value) => { ${start} let item;\n${statements.join("\n")}\n${end} };`;
  const compile = new Function(...Object.keys(scope), "types", "isEmptyValue", code) as (...values: unknown[]) => Encoder<T>;
  return compile(
    ...Object.values(scope),
    type.fields.map((field) => field.type),
    isEmptyValue,
  );
}

/**
 * `encode` for a present value; a missing (undefined) or null one is encoded as Go holds it: as nil
 * (`encodedNil`) where that is the type's zero value (slices, maps, pointers), else as the zero value.
 */
function withNil<T>(type: GoType, encodedNil: T, encode: Encoder<T>): Encoder<T> {
  const hasNil = zeroValue(type) === null;
  return (value) => {
    if (value !== null && value !== undefined) return encode(value);
    return hasNil ? encodedNil : encode(zeroValue(type));
  };
}

/**
 * An object's keys in map order: by UTF-16 code units. Go sorts the UTF-8 bytes; the two orders differ only
 * between characters above U+FFFF and those from U+E000 to U+FFFF.
 */
function sortedKeys(value: unknown): string[] {
  return Object.keys(value as object).sort();
}

/** A slice's or array's item type (a strslice, which has none, holds strings). */
function itemType(type: GoType): GoType {
  return "of" in type ? type.of : goString;
}
