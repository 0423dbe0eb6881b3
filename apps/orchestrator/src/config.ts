import { ConfigError } from "@slipway/grpc-kit";

/** The orchestrator's settings, from the environment (documented in the README's configuration table). */
export interface OrchestratorConfig {
  /** SLIPWAY_RECONCILE_INTERVAL_SECONDS (default 30): time between passes; 0 runs only the pass at start. */
  readonly intervalMs: number;
  /** SLIPWAY_RECONCILE_GRACE_SECONDS (default 600): how long an orphan must stay one before it is removed. */
  readonly graceMs: number;
  /** SLIPWAY_STORE_WAIT_SECONDS (default 15): how long start-up waits for the stores to serve before the first pass. */
  readonly storeWaitMs: number;
}

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return {
    intervalMs: seconds(env, "SLIPWAY_RECONCILE_INTERVAL_SECONDS", 30) * 1000,
    graceMs: seconds(env, "SLIPWAY_RECONCILE_GRACE_SECONDS", 600) * 1000,
    storeWaitMs: seconds(env, "SLIPWAY_STORE_WAIT_SECONDS", 15) * 1000,
  };
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${name}: "${raw}" is not a number of seconds; use 0 or more (default ${fallback})`);
  }
  return value;
}
