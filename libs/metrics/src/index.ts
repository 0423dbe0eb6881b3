export { AppMetrics } from "./app-metrics.js";
export { defaultMetricsAddressOf, loadMetricsConfig, metricsBindEnvOf, metricsEnabled, type MetricsConfig, type MetricsContext } from "./config.js";
export { startMetricsEndpoint, type MetricsEndpoint } from "./endpoint.js";
export type { HeldKind, HeldObjects } from "./held-objects.js";
export { routeTemplate, type RequestEnd } from "./http-metrics.js";
export { startAppMetrics, withMetrics } from "./with-metrics.js";
