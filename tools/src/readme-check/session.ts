// Splitting a block into the commands a reader would type: a `console` block into `$ command` lines and the
// output the README shows after each; an `sh` block into commands whose output is not shown. Pure.
import type { Block, Problem, SourceLine } from "./markdown.js";

export interface Command {
  /** 1-based line of the command's first line in the file. */
  readonly line: number;
  /** What bash runs: continuation lines kept, joined with newlines after their backslash. */
  readonly command: string;
  /**
   * The output the README shows after the command (console blocks), or undefined (sh blocks: output not
   * compared, the exit code must be 0).
   */
  readonly expected?: readonly SourceLine[];
}

const continues = (text: string): boolean => /(^|[^\\])(\\\\)*\\$/.test(text);

/** A `console` block: `$ ` lines are commands (a trailing `\` continues one on the next line), the rest output. */
export function splitConsole(block: Block): { commands: Command[]; problems: Problem[] } {
  const commands: { line: number; command: string; expected: SourceLine[] }[] = [];
  const problems: Problem[] = [];
  const body = block.body;
  for (let i = 0; i < body.length; i++) {
    const { line, text } = body[i]!;
    if (text.startsWith("$ ") || text === "$") {
      let command = text.slice(2);
      while (continues(command) && i + 1 < body.length) command += "\n" + body[++i]!.text;
      commands.push({ line, command, expected: [] });
    } else if (commands.length > 0) {
      commands[commands.length - 1]!.expected.push({ line, text });
    } else if (text.trim() !== "") {
      problems.push({ file: block.file, line, message: "output before the first `$ ` command of a console block" });
    }
  }
  for (const c of commands) while (c.expected.length > 0 && c.expected[c.expected.length - 1]!.text.trim() === "") c.expected.pop();
  return { commands, problems };
}

/** An `sh` block: each command (blank and comment-only lines skipped, `\` continuations joined). */
export function splitShell(block: Block): Command[] {
  const commands: Command[] = [];
  const body = block.body;
  for (let i = 0; i < body.length; i++) {
    const { line, text } = body[i]!;
    const trimmed = text.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    let command = text;
    while (continues(command) && i + 1 < body.length) command += "\n" + body[++i]!.text;
    commands.push({ line, command });
  }
  return commands;
}

/** The commands of a block, by its language: console blocks with their expected output, others without. */
export function commandsOf(block: Block): { commands: Command[]; problems: Problem[] } {
  return block.lang === "console" ? splitConsole(block) : { commands: splitShell(block), problems: [] };
}
