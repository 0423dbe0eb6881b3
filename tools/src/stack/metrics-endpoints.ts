import { isUnixAddress } from "@slipway/grpc-kit";
import { defaultMetricsAddressOf, metricsBindEnvOf, metricsEnabled } from "@slipway/metrics";
import { GRPC_APPS } from "./apps.js";

/** npm start's lines for each app's metrics endpoint (GET /metrics); none when SLIPWAY_METRICS=off. */
export function metricsEndpointLines(env: NodeJS.ProcessEnv, runRoot: string): string[] {
  if (!metricsEnabled(env)) return [];
  return [...GRPC_APPS, "engine-api"].map((app) => {
    const address = env[metricsBindEnvOf(app)] || defaultMetricsAddressOf(app, runRoot);
    const url = isUnixAddress(address) ? `unix://${address.slice("unix:".length)}` : `https://${address}/metrics   (client certificate required)`;
    return `  ${`${app} metrics`.padEnd(25)} ${url}`;
  });
}
