import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  certificateFilesOf,
  DATA_ROOT_IN_CONTAINER,
  DEPLOYMENT,
  REPO_ROOT,
  RUN_ROOT_IN_CONTAINER,
  sharedEnv,
  SLIPWAY_APPS,
  TLS_DIR_IN_CONTAINER,
  type SlipwayApp,
} from "../src/index.js";

// The file is checked by reading it: every service must be what SlipwayStack starts (same command,
// user, capabilities, env, mounts, certificates, ports, start order). compose.e2e.test.ts runs it.

/** A bind in compose's long syntax (the certificates: a missing file fails instead of becoming a directory). */
interface LongBind {
  type: string;
  source: string;
  target: string;
  read_only?: boolean;
}

interface ComposeService {
  image: string;
  command: string[];
  user: string;
  cap_add?: string[];
  cap_drop?: string[];
  environment: Record<string, string>;
  volumes?: (string | LongBind)[];
  ports: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck: { test: string[] };
  pull_policy: string;
}

/** Compose's ${NAME:-default} interpolation, with no variables set. */
function interpolateDefaults(text: string): string {
  return text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1");
}

const composeText = readFileSync(join(REPO_ROOT, "docker-compose.yml"), "utf8");
const compose = parse(interpolateDefaults(composeText), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};

/** A mount as short syntax, "source:target[:ro]", whichever syntax the file uses. */
function shortForm(volume: string | LongBind): string {
  if (typeof volume === "string") return volume;
  expect(volume.type).toBe("bind");
  return `${volume.source}:${volume.target}${volume.read_only ? ":ro" : ""}`;
}

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
    expect(service.environment).toEqual({ ...sharedEnv((peer) => peer), ...deployment.env, SLIPWAY_LOG_LEVEL: "info" });
    expect(service.ports).toEqual([`127.0.0.1:${deployment.port}:${deployment.port}`]);
    // The e2e test moves every published port through its variable.
    expect(composeText).toContain(`"127.0.0.1:\${${deployment.hostPortEnv}:-${deployment.port}}:${deployment.port}"`);
    expect(Object.entries(service.depends_on ?? {}).sort()).toEqual(
      deployment.dependsOn.map((dep): [string, { condition: string }] => [dep, { condition: "service_healthy" }]).sort(),
    );
  });

  it.each(SLIPWAY_APPS)(
    "%s mounts the data-root volume or the host run dir, and only its own certificate files, read-only, as SlipwayStack does",
    (app: SlipwayApp) => {
      const expected = [
        ...(DEPLOYMENT[app].dataRoot ? [`slipway-data:${DATA_ROOT_IN_CONTAINER}`] : []),
        ...(DEPLOYMENT[app].runRoot ? [`./.slipway/compose-run:${RUN_ROOT_IN_CONTAINER}`] : []),
        ...certificateFilesOf(app).map((file) => `./.slipway/certs/${file}:${TLS_DIR_IN_CONTAINER}/${file}:ro`),
      ];
      expect((compose.services[app].volumes ?? []).map(shortForm)).toEqual(expected);
    },
  );

  it("takes the certificates from SLIPWAY_CERTS_DIR, and the image looks for them where they are mounted", () => {
    const sources = Object.values(parse(composeText, { merge: true }).services as Record<string, ComposeService>).flatMap((s) =>
      (s.volumes ?? []).filter((v): v is LongBind => typeof v !== "string").map((v) => v.source),
    );
    expect(sources.length).toBe(3 * SLIPWAY_APPS.length);
    for (const source of sources) expect(source).toMatch(/^\$\{SLIPWAY_CERTS_DIR:-\.\/\.slipway\/certs\}\/[a-z-]+\.(crt|key)$/);
    expect(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8")).toMatch(new RegExp(`^\\s+SLIPWAY_TLS_DIR=${TLS_DIR_IN_CONTAINER} \\\\$`, "m"));
  });

  it("has no top-level name (docker-compose 1.29 refuses it; the project is named with -p)", () => {
    expect(Object.keys(parse(composeText))).toEqual(expect.not.arrayContaining(["name"]));
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
