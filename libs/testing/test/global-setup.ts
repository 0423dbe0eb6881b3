import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The Slipway image built for this run. */
    slipwayImage: string;
  }
}

// The config's env is applied to the test workers only; this runs in the main process.
process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
process.env.TESTCONTAINERS_HOST_OVERRIDE = "127.0.0.1";

/**
 * Before the run: remove leftovers of dead runs (stacks and compose projects), build the image once.
 * After: remove this run's leftovers (its test workers, whose pids they carry, have exited by then).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { buildSlipwayImage, reapLeftoverComposeProjects, reapLeftoverStacks } = await import("../src/index.js");
  await Promise.all([reapLeftoverStacks(), reapLeftoverComposeProjects()]);
  project.provide("slipwayImage", process.env.SLIPWAY_IMAGE ?? (await buildSlipwayImage()));
  return async () => void (await Promise.all([reapLeftoverStacks([process.pid]), reapLeftoverComposeProjects([process.pid])]));
}
