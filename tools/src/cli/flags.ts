/** One flag a command accepts. */
export interface FlagSpec {
  /** Long name without dashes, e.g. "name". */
  readonly long: string;
  /** One-letter short name, e.g. "e". */
  readonly short?: string;
  /** bool: takes no value; string: last one wins; list: every occurrence is kept. */
  readonly kind: "bool" | "string" | "list";
}

export interface ParsedFlags {
  readonly bools: Set<string>;
  readonly strings: Map<string, string>;
  readonly lists: Map<string, string[]>;
  /** Flags given at all, even with an empty value (docker distinguishes `--entrypoint ""` from none). */
  readonly seen: Set<string>;
  /** Arguments after the options. */
  readonly positionals: string[];
}

export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Parses docker-style flags: `--name x`, `--name=x`, `-e X`, `-eX`, grouped booleans `-it`, and `--`.
 * With `stopAtPositional` (docker's "interspersed=false" for create), everything from the first positional
 * on is positional, so the container's command keeps its own flags (`... golden:1 ls -la`).
 */
export function parseFlags(args: readonly string[], specs: readonly FlagSpec[], stopAtPositional = false): ParsedFlags {
  const result: ParsedFlags = { bools: new Set(), strings: new Map(), lists: new Map(), seen: new Set(), positionals: [] };
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const set = (spec: FlagSpec, value: string | undefined) => {
    result.seen.add(spec.long);
    if (spec.kind === "bool") {
      if (value === undefined || value === "true") result.bools.add(spec.long);
      else if (value === "false") result.bools.delete(spec.long);
      else throw new UsageError(`invalid argument "${value}" for "--${spec.long}" flag: use true or false`);
    } else if (spec.kind === "string") result.strings.set(spec.long, value!);
    else result.lists.set(spec.long, [...(result.lists.get(spec.long) ?? []), value!]);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const takeValue = (spec: FlagSpec, inline: string | undefined, shown: string) => {
      if (spec.kind === "bool" || inline !== undefined) return inline;
      if (i + 1 >= args.length) throw new UsageError(`flag needs an argument: ${shown}`);
      return args[++i]!;
    };
    if (arg === "--") {
      result.positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const [name, inline] = splitOnce(arg.slice(2), "=");
      const spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      set(spec, takeValue(spec, inline, `--${name}`));
    } else if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const spec = byShort.get(arg[j]!);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${arg[j]}' in ${arg}`);
        if (spec.kind === "bool") {
          set(spec, undefined);
          continue;
        }
        const rest = arg.slice(j + 1);
        set(spec, takeValue(spec, rest === "" ? undefined : rest.replace(/^=/, ""), `'${arg[j]}' in ${arg}`));
        break;
      }
    } else if (stopAtPositional) {
      result.positionals.push(...args.slice(i));
      break;
    } else result.positionals.push(arg);
  }
  return result;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
