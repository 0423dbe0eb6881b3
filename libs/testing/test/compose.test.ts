import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { addressEnv, DATA_ROOT_IN_CONTAINER, DEPLOYMENT, REPO_ROOT, RUN_ROOT_IN_CONTAINER, SLIPWAY_APPS, type SlipwayApp } from "../src/index.js";

// This machine has no compose plugin, so the file is checked by reading it: every service must be
// what SlipwayStack starts (same command, user, capabilities, env, mounts, ports, start order).

interface ComposeService {
  image: string;
  command: string[];
  user: string;
  cap_add?: string[];
  cap_drop?: string[];
  environment: Record<string, string>;
  volumes?: string[];
  ports: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck: { test: string[] };
  pull_policy: string;
}

/** Compose's ${NAME:-default} interpolation, with no variables set. */
function interpolateDefaults(text: string): string {
  return text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1");
}

const compose = parse(interpolateDefaults(readFileSync(join(REPO_ROOT, "docker-compose.yml"), "utf8")), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};

describe("docker-compose.yml", () => {
  it("runs exactly the five apps, from the Slipway image, never pulled", () => {
    expect(Object.keys(compose.services).sort()).toEqual([...SLIPWAY_APPS].sort());
    for (const service of Object.values(compose.services)) {
      expect(service.image).toBe("slipway/slipway:0.1.0");
      expect(service.pull_policy).toBe("never");
    }
  });

  it.each(SLIPWAY_APPS)("%s runs like SlipwayStack runs it", (app) => {
    const service = compose.services[app];
    const deployment = DEPLOYMENT[app];
    expect(service.command).toEqual([app]);
    expect(service.user).toBe(deployment.user);
    expect(service.cap_drop ?? []).toEqual(deployment.capDrop);
    expect(service.cap_add ?? []).toEqual(deployment.capAdd);
    expect(service.environment).toEqual({ ...addressEnv((peer) => peer), ...deployment.env, SLIPWAY_LOG_LEVEL: "info" });
    expect(service.ports).toEqual([`127.0.0.1:${deployment.port}:${deployment.port}`]);
    expect(Object.entries(service.depends_on ?? {}).sort()).toEqual(
      deployment.dependsOn.map((dep): [string, { condition: string }] => [dep, { condition: "service_healthy" }]).sort(),
    );
  });

  it.each(SLIPWAY_APPS)("%s mounts the one data-root volume or the host run dir as SlipwayStack does", (app: SlipwayApp) => {
    const expected = [
      ...(DEPLOYMENT[app].dataRoot ? [`slipway-data:${DATA_ROOT_IN_CONTAINER}`] : []),
      ...(DEPLOYMENT[app].runRoot ? [`./.slipway/compose-run:${RUN_ROOT_IN_CONTAINER}`] : []),
    ];
    expect(compose.services[app].volumes ?? []).toEqual(expected);
  });

  it("declares the data-root volume, and every service checks health with the image's script", () => {
    expect(Object.keys(compose.volumes)).toEqual(["slipway-data"]);
    const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
    expect(dockerfile).toContain('CMD ["node", "/app/tools/docker/healthcheck.mjs"]');
    for (const service of Object.values(compose.services)) {
      expect(service.healthcheck.test).toEqual(["CMD", "node", "/app/tools/docker/healthcheck.mjs"]);
    }
  });
});
