import { SlipwayError } from "@slipway/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ImageConfigCache, mergeAndVerify } from "./create-request.js";
import { encodeGoJson } from "./go-encode.js";
import { decodeGo, type GoType } from "./go-types.js";
import { parseFirstJsonValue } from "./json-input.js";
import { TEST_HOST } from "./testing/host-info.js";
import { configType, hostConfigType } from "./schemas.js";

// Property-based: create bodies shaped like dockerd's structs (right and wrong types, keys in any case,
// number literals JSON.stringify never writes, cut-off and trailing text) against the merge and its checks.

const IMAGE = JSON.stringify({ os: "linux", config: { Cmd: ["/bin/sh"], Volumes: { "/data": {} }, Env: ["PATH=/bin"] } });
const imageConfigs = new ImageConfigCache();

const merge = (body: string) =>
  mergeAndVerify({
    body,
    imageConfig: IMAGE,
    imageConfigs,
    containerId: "f".repeat(64),
    apiVersion: "1.41",
    host: TEST_HOST,
    probe: (path) => path === "/tmp",
    resolveContainer: (name) => (name === "other" ? "e".repeat(64) : undefined),
    mountPointsOfContainer: () => [],
    networkModeOf: () => "default",
  });

/** Strings dockerd's parsers give meaning to, beside arbitrary ones. */
const WORDS = fc.constantFrom(
  ...["", "host", "none", "bridge", "default", "private", "container:other", "container:", "always", "on-failure", "no"],
  ...["/tmp:/x", "/tmp:/x:ro", "vol:/data", "a:b:c:d", "80/tcp", "8080", "1g", "SIGKILL", "9", "0-1", "x=y", "label=disable"],
  ...["json-file", "/", "rel", "nosuch:tag", "seccomp=unconfined", "apparmor=p", "/dev/null", "h:1.2.3.4", "tmpfs"],
);
/** Integers as Go's int64 holds them, and the literals around its edges that JSON.stringify would round or never write. */
const LITERALS = ["1e3", "1.0", "-0", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e308", "0.5"];

/** A value for a field of `type`: mostly of the right JSON kind, sometimes any JSON at all. */
function valueFor(type: GoType, depth: number): fc.Arbitrary<unknown> {
  const anything = fc.jsonValue({ maxDepth: 2 });
  const right = rightKind(type, depth);
  return right
    ? fc.oneof({ arbitrary: right, weight: 8 }, { arbitrary: anything, weight: 1 }, { arbitrary: fc.constant(null), weight: 1 })
    : anything;
}

function rightKind(type: GoType, depth: number): fc.Arbitrary<unknown> | undefined {
  switch (type.kind) {
    case "string":
      return fc.oneof(WORDS, fc.string({ maxLength: 12 }));
    case "bool":
      return fc.boolean();
    case "int":
      return fc.oneof(fc.integer({ min: -2, max: 2 }), fc.integer(), fc.constantFrom(6_291_456, 67_108_864, 1_000_000_000, 100_000));
    case "strslice":
      return fc.oneof(WORDS, fc.array(WORDS, { maxLength: 3 }));
    case "slice":
    case "array":
      return depth > 3 ? undefined : fc.array(valueFor(type.of, depth + 1), { maxLength: 3 });
    case "map":
      return depth > 3 ? undefined : fc.dictionary(fc.oneof(WORDS, fc.string({ maxLength: 6 })), valueFor(type.of, depth + 1), { maxKeys: 3 });
    case "ptr":
      return rightKind(type.of, depth);
    case "struct":
      return depth > 3 ? undefined : structOf(type, depth);
    default:
      return undefined;
  }
}

/** A few of a struct's fields, each key in its own case or lower case (Go matches either). */
function structOf(type: GoType & { kind: "struct" }, depth: number): fc.Arbitrary<Record<string, unknown>> {
  if (type.fields.length === 0) return fc.constant({});
  const field = fc.constantFrom(...type.fields).chain((f) => fc.tuple(fc.constantFrom(f.name, f.name.toLowerCase()), valueFor(f.type, depth + 1)));
  return fc.array(field, { maxLength: 6 }).map((pairs) => Object.fromEntries(pairs));
}

/** The body's text: as JSON.stringify writes it, or with a number literal swapped in, cut short or followed by more. */
const bodies = fc
  .tuple(structOf(configType, 1), fc.option(structOf(hostConfigType, 1), { nil: undefined }), fc.constantFrom("golden:1", "", "x"))
  .chain(([config, host, image]) => {
    const text = JSON.stringify({ Image: image, ...config, ...(host ? { HostConfig: host } : {}) });
    return fc.oneof(
      { arbitrary: fc.constant(text), weight: 6 },
      { arbitrary: fc.constantFrom(...LITERALS).map((literal) => text.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/i, literal)), weight: 2 },
      { arbitrary: fc.nat(text.length).map((cut) => text.slice(0, cut)), weight: 1 },
      { arbitrary: fc.string({ maxLength: 8 }).map((tail) => text + tail), weight: 1 },
    );
  });

/** A refusal as a person reads it: a Slipway error of a kind, one line, no placeholders of a broken message. */
function expectCleanRefusal(err: unknown): void {
  expect(err).toBeInstanceOf(SlipwayError);
  const { message } = err as SlipwayError;
  expect(message).not.toBe("");
  // "undefined" only as a JS value leaking in: dockerd's own words include "would result in undefined behavior".
  expect(message).not.toMatch(/\n|undefined(?! behavior)|\[object |NaN/);
}

/** Encoded, decoded and encoded again: the same document (what a create writes reads back as itself). */
function expectRoundTrip(type: GoType, value: unknown): void {
  const written = encodeGoJson(type, value);
  expect(encodeGoJson(type, decodeGo(type, parseFirstJsonValue(written)))).toBe(written);
}

describe("mergeAndVerify on generated create bodies", () => {
  it("either merges, writing documents that decode back to themselves, or refuses with a clean error", () => {
    fc.assert(
      fc.property(bodies, (body) => {
        let merged;
        try {
          merged = merge(body);
        } catch (err) {
          expectCleanRefusal(err);
          return;
        }
        expectRoundTrip(configType, merged.config);
        expectRoundTrip(hostConfigType, merged.hostConfig);
      }),
    );
  });

  it("reads any text as Go's decoder does: a value, or a clean error", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.json().map((json) => json.slice(1)),
        ),
        (text) => {
          let value;
          try {
            value = parseFirstJsonValue(text);
          } catch (err) {
            expectCleanRefusal(err);
            return;
          }
          if (text.trim() !== "" && isJson(text)) expect(value).toEqual(JSON.parse(text));
        },
      ),
    );
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return !/-0(?![.\d])|\d[eE.]|\d{16}/.test(text);
  } catch {
    return false;
  }
}
