import { expect, it } from "vitest";
import { parseBenchOptions, parseLayouts } from "./options.js";

it("measures both layouts unless told one", () => {
  expect(parseLayouts(undefined, false)).toEqual(["one", "split"]);
  expect(parseLayouts("both", false)).toEqual(["one", "split"]);
  expect(parseLayouts("one", false)).toEqual(["one"]);
  expect(parseLayouts("split", false)).toEqual(["split"]);
});

it("takes --split for --layout split and refuses a contradiction or an unknown layout", () => {
  expect(parseLayouts(undefined, true)).toEqual(["split"]);
  expect(parseLayouts("split", true)).toEqual(["split"]);
  expect(() => parseLayouts("one", true)).toThrow("--split contradicts --layout one");
  expect(() => parseLayouts("three", false)).toThrow('--layout takes one, split or both, got "three"');
});

it("times fewer cold creates in a quick run", () => {
  expect(parseBenchOptions(["--quick", "--layout", "one"], true)).toMatchObject({ layouts: ["one"], coldCreates: 50, withDocker: true });
  expect(parseBenchOptions([], false)).toMatchObject({ layouts: ["one", "split"], coldCreates: 300, withDocker: false });
});

it("pulls a smaller image in a quick run, and no image with --no-pull", () => {
  expect(parseBenchOptions([], true)).toMatchObject({ withPull: true, pullMiB: 500 });
  expect(parseBenchOptions(["--quick"], true)).toMatchObject({ withPull: true, pullMiB: 50 });
  expect(parseBenchOptions(["--quick", "--no-pull"], true)).toMatchObject({ withPull: false });
});

it("loads and pulls in three rounds, two in a quick run, as many as --rounds says", () => {
  expect(parseBenchOptions([], true)).toMatchObject({ rounds: 3 });
  expect(parseBenchOptions(["--quick"], true)).toMatchObject({ rounds: 2 });
  expect(parseBenchOptions(["--rounds", "5"], true)).toMatchObject({ rounds: 5 });
  expect(() => parseBenchOptions(["--rounds", "0"], true)).toThrow('--rounds takes a whole number above 0, got "0"');
});
