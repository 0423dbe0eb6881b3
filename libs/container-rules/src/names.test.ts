import { describe, expect, it } from "vitest";
import { canonicalName, generatedName, nameConflictMessage } from "./names.js";
import { ADJECTIVES, SURNAMES } from "./words.js";

describe("names", () => {
  it.each(["demo", "/demo", "a1", "A.b_c-d", "9lives"])("accepts %j and stores it with one leading slash", (name) => {
    expect(canonicalName(name)).toBe(name.startsWith("/") ? name : `/${name}`);
  });

  it.each(["a", "/a", "", "-ab", ".ab", "_ab", "a b", "a/b", "//ab", "ab:c"])("rejects %j with dockerd's message", (name) => {
    expect(() => canonicalName(name)).toThrow(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  });

  it("has Slipway's own word lists: at least 100 adjectives and 200 surnames, unique, lower-case", () => {
    expect(new Set(ADJECTIVES).size).toBe(ADJECTIVES.length);
    expect(new Set(SURNAMES).size).toBe(SURNAMES.length);
    expect(ADJECTIVES.length).toBeGreaterThanOrEqual(100);
    expect(SURNAMES.length).toBeGreaterThanOrEqual(200);
    for (const word of [...ADJECTIVES, ...SURNAMES]) expect(word).toMatch(/^[a-z]+$/);
  });

  it("generates adjective_surname, with one digit from the second try", () => {
    const picks = [3, 7, 5];
    const random = () => picks.shift()!;
    expect(generatedName(0, () => 0)).toBe(`/${ADJECTIVES[0]}_${SURNAMES[0]}`);
    expect(generatedName(1, random)).toBe(`/${ADJECTIVES[3]}_${SURNAMES[7]}5`);
    expect(canonicalName(generatedName(2, (n) => n - 1))).toMatch(/^\/[a-z]+_[a-z]+9$/);
  });

  it("words the conflict exactly as dockerd", () => {
    expect(nameConflictMessage("/demo", "abc")).toBe(
      'Conflict. The container name "/demo" is already in use by container "abc". You have to remove (or rename) that container to be able to reuse that name.',
    );
  });
});
