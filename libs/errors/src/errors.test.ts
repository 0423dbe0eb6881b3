import { describe, expect, it } from "vitest";
import {
  alreadyExists,
  cancelled,
  CONSTRUCTOR_OF_KIND,
  deadlineExceeded,
  failedPrecondition,
  internal,
  invalidArgument,
  isNotFound,
  isOutcomeUnknown,
  notFound,
  permissionDenied,
  resourceExhausted,
  SlipwayError,
  unauthenticated,
  unavailable,
  unimplemented,
  type ErrorKind,
} from "./index.js";

const CONSTRUCTORS = [
  ["invalid_argument", invalidArgument],
  ["not_found", notFound],
  ["already_exists", alreadyExists],
  ["failed_precondition", failedPrecondition],
  ["unavailable", unavailable],
  ["deadline_exceeded", deadlineExceeded],
  ["cancelled", cancelled],
  ["unimplemented", unimplemented],
  ["unauthenticated", unauthenticated],
  ["permission_denied", permissionDenied],
  ["resource_exhausted", resourceExhausted],
  ["internal", internal],
] as const;

describe("constructors", () => {
  it.each(CONSTRUCTORS)("%s builds a SlipwayError of its kind with the message unchanged", (kind, make) => {
    const err = make(`No such container: "demo" (${kind})`);
    expect(err).toBeInstanceOf(SlipwayError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ kind, name: "SlipwayError", message: `No such container: "demo" (${kind})` });
    expect("cause" in err).toBe(false);
  });

  it("keep the cause they are given", () => {
    const cause = new Error("ENOENT: no such file or directory");
    expect(notFound("No such image: x", cause).cause).toBe(cause);
  });

  it("are listed once per kind, by kind", () => {
    const byKind = Object.fromEntries(CONSTRUCTORS) as Record<ErrorKind, unknown>;
    expect(CONSTRUCTOR_OF_KIND).toEqual(byKind);
    for (const [kind, make] of Object.entries(CONSTRUCTOR_OF_KIND)) expect(make("m").kind).toBe(kind);
  });
});

describe("isOutcomeUnknown", () => {
  it("holds for the kinds that leave a call without a definite answer", () => {
    const unknown = CONSTRUCTORS.filter(([, make]) => isOutcomeUnknown(make("m"))).map(([kind]) => kind);
    expect(unknown).toEqual(["unavailable", "deadline_exceeded", "cancelled"]);
  });

  it("does not hold for errors that are not SlipwayErrors", () => {
    expect(isOutcomeUnknown(Object.assign(new Error("deadline"), { kind: "deadline_exceeded" }))).toBe(false);
    expect(isOutcomeUnknown(undefined)).toBe(false);
  });
});

describe("isNotFound", () => {
  it("holds for NOT_FOUND alone, and only for SlipwayErrors", () => {
    expect(CONSTRUCTORS.filter(([, make]) => isNotFound(make("m"))).map(([kind]) => kind)).toEqual(["not_found"]);
    expect(isNotFound(Object.assign(new Error("gone"), { kind: "not_found" }))).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
  });
});
