import { expect, it } from "vitest";
import { cleanPath } from "./go-path.js";

it.each([
  ["", "."],
  ["./", "."],
  ["a//b/./c/", "a/b/c"],
  ["a/../../b", "../b"],
  ["/../etc", "/etc"],
  ["a/b/..", "a"],
  ["/a/../b/", "/b"],
  ["/", "/"],
  ["//x//./y", "/x/y"],
  ["/..", "/"],
  ["a/../..", ".."],
])("cleanPath(%j) = %j, as Go's path.Clean", (input, expected) => expect(cleanPath(input)).toBe(expected));
