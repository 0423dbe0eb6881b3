import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { familiarString, InvalidReferenceError, parseAnyReference, parseNormalizedNamed, referenceString } from "./reference.js";

// Property-based: image references built from the grammar's pieces (valid and not), and arbitrary text.

const component = fc.stringMatching(/^[a-zA-Z0-9._-]{1,8}$/);
const domain = fc.oneof(fc.constantFrom("localhost", "localhost:5000", "127.0.0.1:5000", "docker.io", "index.docker.io", "[::1]:5000"), component);
const tag = fc.stringMatching(/^[\w.-]{0,10}$/);
const digest = fc.oneof(
  fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`),
  fc.stringMatching(/^[a-z0-9:]{0,12}$/),
);
const references = fc.oneof(
  fc
    .tuple(fc.option(domain), fc.array(component, { minLength: 1, maxLength: 3 }), fc.option(tag), fc.option(digest))
    .map(([d, path, t, h]) => `${d === null ? "" : `${d}/`}${path.join("/")}${t === null ? "" : `:${t}`}${h === null ? "" : `@${h}`}`),
  fc.string({ maxLength: 40 }),
  // Long runs of what the grammar's repetitions match, ending where they cannot: backtracking must not blow up.
  fc
    .tuple(fc.constantFrom("a", "a-", "a.", "a/", "a__", "0"), fc.integer({ min: 50, max: 400 }), fc.constantFrom("!", "A", ":", "@", "/"))
    .map(([unit, times, end]) => unit.repeat(times) + end),
);

describe("image references", () => {
  it("parse or refuse with distribution's error, quickly, and what parses prints and parses back to itself", () => {
    fc.assert(
      fc.property(references, (text) => {
        const started = performance.now();
        let ref;
        try {
          ref = parseNormalizedNamed(text);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidReferenceError);
          expect((err as Error).message).not.toMatch(/undefined|\n/);
          return;
        } finally {
          // Linear in the input (a backtracking blow-up takes seconds at these lengths); generous for a loaded machine.
          expect(performance.now() - started).toBeLessThan(500);
        }
        expect(parseNormalizedNamed(referenceString(ref))).toEqual(ref);
        expect(parseAnyReference(familiarString(ref))).toEqual(ref);
      }),
    );
  });
});
