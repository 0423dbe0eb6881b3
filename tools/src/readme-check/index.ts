// The README check: every shell block in the READMEs is run (tools/test/readme.test.ts) and its output
// compared where the README shows it, or marked in the source as not run with the reason. These are its
// pure parts.
export { findBlocks, formatProblem, isRunnable, parseMarker, SHELL_LANGUAGES, NON_SHELL_LANGUAGES } from "./markdown.js";
export type { Block, Marker, Problem, SourceLine } from "./markdown.js";
export { commandsOf, splitConsole, splitShell } from "./session.js";
export type { Command } from "./session.js";
export { compareOutput, formatMismatch, normalise, ELLIPSIS } from "./compare.js";
export type { Mismatch } from "./compare.js";
