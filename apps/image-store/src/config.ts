import { ConfigError } from "@slipway/grpc-kit";
import { DEFAULT_CERTS_DIR, RegistryError, RegistryHosts, type RegistryClientOptions } from "@slipway/registry-client";

/** image-store's own settings, from the environment (documented in its README and the root README's table). */
export interface ImageStoreConfig {
  /** dockerd's registry-mirrors, insecure-registries and certs.d directory. */
  readonly registry: Required<Pick<RegistryClientOptions, "mirrors" | "insecureRegistries" | "certsDir">>;
}

/**
 * SLIPWAY_REGISTRY_MIRRORS and SLIPWAY_INSECURE_REGISTRIES (comma-separated, checked as dockerd checks its
 * flags), SLIPWAY_REGISTRY_CERTS_DIR (default /etc/docker/certs.d).
 */
export function loadImageStoreConfig(env: NodeJS.ProcessEnv = process.env): ImageStoreConfig {
  const mirrors = list(env, "SLIPWAY_REGISTRY_MIRRORS", (mirrors) => new RegistryHosts({ mirrors }));
  const insecureRegistries = list(env, "SLIPWAY_INSECURE_REGISTRIES", (insecureRegistries) => new RegistryHosts({ insecureRegistries }));
  return { registry: { mirrors, insecureRegistries, certsDir: env.SLIPWAY_REGISTRY_CERTS_DIR || DEFAULT_CERTS_DIR } };
}

function list(env: NodeJS.ProcessEnv, name: string, check: (values: string[]) => unknown): string[] {
  const values = (env[name] ?? "")
    .split(",")
    .map((value) => value.trim())
    .filter((value) => value !== "");
  try {
    check(values);
  } catch (err) {
    if (err instanceof RegistryError) throw new ConfigError(`${name}: ${err.message}`);
    throw err;
  }
  return values;
}
