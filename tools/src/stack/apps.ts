import { join } from "node:path";
import { SERVICES, type ServiceName } from "@slipway/grpc-kit";

/** The five apps npm start runs, in start order, and how each is checked for health. */
export interface AppSpec {
  readonly name: ServiceName | "engine-api";
  /** The env var that sets where it listens, and the default. */
  readonly bindEnv: string;
  readonly defaultBind: string;
}

export const GRPC_APPS: readonly ServiceName[] = ["layer-store", "image-store", "container-config", "orchestrator"];

export function bindEnvOf(app: ServiceName): string {
  return `SLIPWAY_${app.toUpperCase().replace(/-/g, "_")}_BIND`;
}

export function defaultBindOf(app: ServiceName): string {
  return `127.0.0.1:${SERVICES[app].port}`;
}

export function mainOf(repoRoot: string, app: string): string {
  return join(repoRoot, "apps", app, "dist", "main.js");
}
