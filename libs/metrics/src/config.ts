import { join } from "node:path";
import { ConfigError, isUnixAddress, validateAddress, type CertificateFiles, type SocketGroup } from "@slipway/grpc-kit";

/** Where an app serves its metrics, and with what. */
export interface MetricsConfig {
  /** "unix:/path/to.sock" (the default, in the run root) or "host:port" (HTTPS with client certificates). */
  readonly bind: string;
  /** The env var that set `bind`, named in errors. */
  readonly bindEnv: string;
  readonly socketGroup: SocketGroup;
  /** The app's certificates: a TCP listener serves HTTPS with them to clients with a certificate from the same CA. */
  readonly certificates: CertificateFiles | undefined;
}

/** What the app's own configuration already settled. */
export interface MetricsContext {
  readonly runRoot: string;
  readonly socketGroup: SocketGroup;
  readonly certificates: CertificateFiles | undefined;
}

/**
 * SLIPWAY_METRICS (on, the default, or off) and SLIPWAY_<APP>_METRICS_BIND (default: unix:<run root>/<app>-metrics.sock);
 * undefined when metrics are off. TCP needs the app's certificates (SLIPWAY_TLS_DIR), as its gRPC listener does.
 */
export function loadMetricsConfig(app: string, env: NodeJS.ProcessEnv, context: MetricsContext): MetricsConfig | undefined {
  if (!metricsEnabled(env)) return undefined;
  const bindEnv = metricsBindEnvOf(app);
  const bind = env[bindEnv] || defaultMetricsAddressOf(app, context.runRoot);
  validateAddress(bind, bindEnv);
  if (!isUnixAddress(bind) && !context.certificates) {
    throw new ConfigError(
      `${bindEnv}: ${app}'s metrics on TCP ${bind} are served only as HTTPS with client certificates: make certificates with "npx slipway certs --out DIR" and set SLIPWAY_TLS_DIR=DIR (or use a unix: address)`,
    );
  }
  return { bind, bindEnv, socketGroup: context.socketGroup, certificates: context.certificates };
}

/** SLIPWAY_METRICS: "on" (or unset) or "off". */
export function metricsEnabled(env: NodeJS.ProcessEnv): boolean {
  const value = (env.SLIPWAY_METRICS ?? "").trim().toLowerCase();
  if (value === "" || value === "on") return true;
  if (value === "off") return false;
  throw new ConfigError(`SLIPWAY_METRICS: "${env.SLIPWAY_METRICS}" is neither on nor off; set off to turn every app's metrics endpoint off`);
}

/** The env var that sets where an app serves its metrics, e.g. SLIPWAY_LAYER_STORE_METRICS_BIND. */
export function metricsBindEnvOf(app: string): string {
  return `SLIPWAY_${app.toUpperCase().replace(/-/g, "_")}_METRICS_BIND`;
}

/** Where an app serves its metrics when nothing says otherwise: a unix socket beside its gRPC socket. */
export function defaultMetricsAddressOf(app: string, runRoot: string): string {
  return `unix:${join(runRoot, `${app}-metrics.sock`)}`;
}
