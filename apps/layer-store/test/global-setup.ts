import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** One temp directory per test run, holding every data root and archive the tests make. */
    testRoot: string;
  }
}

export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), "layer-store-tests-"));
  project.provide("testRoot", root);
  return () => rmSync(root, { recursive: true, force: true });
}
