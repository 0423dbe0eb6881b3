import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "@slipway/durable-fs";
import { goJson, sortedNestedMap } from "../domain/go-json.js";

/** Familiar repository name → familiar reference ("golden:1", "golden@sha256:…") → "sha256:<image id>". */
export type Repositories = Record<string, Record<string, string>>;

/**
 * repositories.json as dockerd's reference store writes it: compact, keys sorted (Go map order),
 * no trailing newline, 0600, replaced atomically.
 */
export class RepositoriesFile {
  constructor(private readonly path: string) {}

  /** The stored references; a missing file is empty, an unreadable one is reported and treated as empty. */
  async load(): Promise<{ repositories: Repositories; problem?: string }> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { repositories: {} };
      return { repositories: {}, problem: `${this.path}: ${(err as Error).message}` };
    }
    try {
      return { repositories: parseRepositories(text) };
    } catch (err) {
      return { repositories: {}, problem: `${this.path}: ${(err as Error).message}` };
    }
  }

  async save(repositories: Repositories): Promise<void> {
    await writeFileAtomic(this.path, goJson({ Repositories: sortedNestedMap(repositories) }), 0o600);
  }
}

function parseRepositories(text: string): Repositories {
  const doc = JSON.parse(text) as { Repositories?: unknown };
  const repos = doc.Repositories ?? {};
  if (typeof repos !== "object" || repos === null || Array.isArray(repos)) throw new Error("Repositories is not an object");
  const result: Repositories = {};
  for (const [name, refs] of Object.entries(repos as Record<string, unknown>)) {
    if (typeof refs !== "object" || refs === null) continue;
    result[name] = Object.fromEntries(Object.entries(refs).filter(([, id]) => typeof id === "string")) as Record<string, string>;
  }
  return result;
}
