import fc from "fast-check";

/**
 * Vitest setup of the projects with property-based ("fuzz") tests: in `npm test` each property runs a
 * small sample under a pinned seed, so a run is repeatable; `npm run fuzz` sets SLIPWAY_FUZZ_RUNS (100,000
 * by default) and SLIPWAY_FUZZ_SEED (a fresh seed unless given). A failure prints the seed and the path
 * that reproduce it.
 */
const runs = Number(process.env.SLIPWAY_FUZZ_RUNS ?? 300);
const seed = process.env.SLIPWAY_FUZZ_SEED ? Number(process.env.SLIPWAY_FUZZ_SEED) : 20261207;
fc.configureGlobal({ numRuns: runs, seed, interruptAfterTimeLimit: undefined });
