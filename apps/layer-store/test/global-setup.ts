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
  // The stores created in the test processes write modes as the app's main.ts sets them up to: with umask 0
  // (the test processes are forked from this one and inherit it).
  process.umask(0);
  const root = mkdtempSync(join(tmpdir(), "layer-store-tests-"));
  project.provide("testRoot", root);
  return () => rmSync(root, { recursive: true, force: true });
}
