// Finding the fenced blocks of a README and the readme-check marker written before each one. Pure: text in,
// blocks and problems out.

/** Fence languages whose blocks are commands: run by the README check unless marked not run. */
export const SHELL_LANGUAGES: ReadonlySet<string> = new Set(["sh", "bash", "shell", "console", "zsh"]);

/**
 * Fence languages that are not commands (code, configuration, file trees, text): never run. An empty language
 * (a plain fence) is a tree or text. Anything outside both sets is a problem, so that a new language is decided
 * on rather than silently skipped.
 */
export const NON_SHELL_LANGUAGES: ReadonlySet<string> = new Set([
  "",
  "text",
  "txt",
  "plain",
  "ts",
  "typescript",
  "js",
  "javascript",
  "json",
  "jsonc",
  "yaml",
  "yml",
  "proto",
  "protobuf",
  "go",
  "c",
  "diff",
  "dockerfile",
  "ini",
  "toml",
  "http",
  "mermaid",
]);

/** `<!-- readme-check: run -->` or `<!-- readme-check: not run: <reason> -->`, on the line before a fence. */
export type Marker = { readonly run: true } | { readonly run: false; readonly reason: string };

export interface SourceLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly text: string;
}

export interface Block {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  /** The lines between the fences, without the fence's indentation. */
  readonly body: readonly SourceLine[];
  readonly marker?: Marker;
}

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export const formatProblem = (p: Problem): string => `${p.file}:${p.line}: ${p.message}`;

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const MARKER = /^\s*<!--\s*readme-check:(.*?)-->\s*$/;
const MARKER_START = /<!--\s*readme-check\b/;

/** Parses the text after `readme-check:` in a marker. */
export function parseMarker(text: string): Marker | string {
  const body = text.trim();
  if (body === "run") return { run: true };
  const notRun = /^not run\s*(?::\s*(.*))?$/s.exec(body);
  if (notRun) {
    const reason = (notRun[1] ?? "").trim();
    return reason ? { run: false, reason } : 'a "not run" marker needs its reason: <!-- readme-check: not run: <reason> -->';
  }
  return `unknown readme-check marker "${body}": write <!-- readme-check: run --> or <!-- readme-check: not run: <reason> -->`;
}

/** Whether a block is run by the README check (shell, and not marked not run). */
export const isRunnable = (block: Block): boolean => SHELL_LANGUAGES.has(block.lang) && block.marker?.run !== false;

/** The fenced blocks of a markdown file, each with the marker on the line before it, and what is wrong. */
export function findBlocks(file: string, text: string): { blocks: Block[]; problems: Problem[] } {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  const problems: Problem[] = [];
  let pending: { line: number; marker: Marker } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const open = FENCE.exec(text);
    if (!open) {
      if (pending) {
        problems.push({ file, line: pending.line, message: "a readme-check marker must be on the line right before a fenced block" });
        pending = undefined;
      }
      const marker = MARKER.exec(text);
      if (marker) {
        const parsed = parseMarker(marker[1]!);
        if (typeof parsed === "string") problems.push({ file, line: i + 1, message: parsed });
        else pending = { line: i + 1, marker: parsed };
      } else if (MARKER_START.test(text)) {
        problems.push({ file, line: i + 1, message: "a readme-check marker must be a whole line: <!-- readme-check: ... -->" });
      }
      continue;
    }
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const lang = info.toLowerCase();
    const line = i + 1;
    const body: SourceLine[] = [];
    let closed = false;
    for (i++; i < lines.length; i++) {
      const inner = lines[i]!;
      const trimmed = inner.trim();
      if (trimmed.length >= fence.length && /^(`+|~+)$/.test(trimmed) && trimmed[0] === fence[0]) {
        closed = true;
        break;
      }
      body.push({ line: i + 1, text: inner.startsWith(indent) ? inner.slice(indent.length) : inner.trimStart() });
    }
    if (!closed) problems.push({ file, line, message: "this fenced block is never closed" });
    const block: Block = { file, line, lang, body, ...(pending ? { marker: pending.marker } : {}) };
    if (pending && !SHELL_LANGUAGES.has(lang)) {
      problems.push({
        file,
        line: pending.line,
        message: `a readme-check marker before a "${lang || "plain"}" block, which is not shell and never run`,
      });
    }
    if (!SHELL_LANGUAGES.has(lang) && !NON_SHELL_LANGUAGES.has(lang)) {
      problems.push({
        file,
        line,
        message: `a "${lang}" block: the README check knows neither that it is shell nor that it is not; use sh or console for commands (run, or marked not run with the reason) or a known language`,
      });
    }
    const first = body.find((l) => l.text.trim() !== "");
    if (lang === "" && first && /^\$ \S/.test(first.text.trim())) {
      problems.push({
        file,
        line,
        message: "a plain block that looks like a shell session: label it console (run, or marked not run with the reason)",
      });
    }
    pending = undefined;
    blocks.push(block);
  }
  if (pending) problems.push({ file, line: pending.line, message: "a readme-check marker must be on the line right before a fenced block" });
  return { blocks, problems };
}
