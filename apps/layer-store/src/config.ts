import { ConfigError } from "@slipway/grpc-kit";

/** layer-store's own settings, from the environment (documented in its README and the root README's table). */
export interface LayerStoreConfig {
  /** Worker threads that extract layers, so that a pull's layers are extracted at once and off the main thread. */
  readonly extractThreads: number;
}

/**
 * A pull downloads three layers at once (dockerd's max-concurrent-downloads) and extracts each as it arrives.
 * Extraction waits on the filesystem more than it computes, so three threads help even on two cores.
 */
const DEFAULT_THREADS = 3;

/** SLIPWAY_EXTRACT_THREADS: 0 extracts on the main thread. */
export function loadLayerStoreConfig(env: NodeJS.ProcessEnv = process.env): LayerStoreConfig {
  const value = env.SLIPWAY_EXTRACT_THREADS;
  if (value === undefined || value === "") return { extractThreads: DEFAULT_THREADS };
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 0 || threads > 64)
    throw new ConfigError(`SLIPWAY_EXTRACT_THREADS must be a whole number from 0 to 64, got "${value}"`);
  return { extractThreads: threads };
}
