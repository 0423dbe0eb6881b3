import { ConfigError } from "@slipway/grpc-kit";

/** The reconciler's settings, from the environment (documented in the README's configuration table). */
export interface ReconcilerConfig {
  /** SLIPWAY_RECONCILE_INTERVAL_SECONDS (default 300): time between passes; 0 runs only the pass at start. */
  readonly intervalMs: number;
  /** SLIPWAY_RECONCILE_GRACE_SECONDS (default 600): how long an orphan must stay one before it is removed. */
  readonly graceMs: number;
}

export function loadReconcilerConfig(env: NodeJS.ProcessEnv = process.env): ReconcilerConfig {
  return {
    intervalMs: seconds(env, "SLIPWAY_RECONCILE_INTERVAL_SECONDS", 300) * 1000,
    graceMs: seconds(env, "SLIPWAY_RECONCILE_GRACE_SECONDS", 600) * 1000,
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
