import type { GoType } from "./go-types.js";

/**
 * `compile` memoised per Go type description. The descriptions are immutable constants, so whatever is
 * compiled from one (a zero-value maker, a decoder, an encoder) stays valid; each create then runs the
 * compiled functions instead of walking the description again.
 */
export function perType<T>(compile: (type: GoType) => T): (type: GoType) => T {
  const compiled = new WeakMap<GoType, T>();
  return (type) => {
    let result = compiled.get(type);
    if (result === undefined) compiled.set(type, (result = compile(type)));
    return result;
  };
}
