import { expect, it } from "vitest";
import { BEGIN, END, spliceLastRun } from "./docs.js";

it("starts a new document with the generated section", () => {
  expect(spliceLastRun(undefined, "table\n")).toBe(`# Benchmarks\n\n${BEGIN}\ntable\n${END}\n`);
});

it("replaces only the generated section and keeps the text around it", () => {
  const doc = `# Benchmarks\n\nintro\n\n${BEGIN}\nold table\n${END}\n\n## What each optimisation bought\nnotes\n`;
  expect(spliceLastRun(doc, "new table")).toBe(`# Benchmarks\n\nintro\n\n${BEGIN}\nnew table\n${END}\n\n## What each optimisation bought\nnotes\n`);
});

it("puts the section first in a document without markers", () => {
  expect(spliceLastRun("# Notes\n", "t")).toBe(`${BEGIN}\nt\n${END}\n\n# Notes\n`);
});
