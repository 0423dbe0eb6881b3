import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "@slipway/grpc-kit";
import { afterAll, expect, it } from "vitest";
import { loadEngineApiConfig } from "./config.js";

const runRoot = mkdtempSync(join(tmpdir(), "engine-api-config-"));
afterAll(() => rmSync(runRoot, { recursive: true, force: true }));

it("reads the data root, socket and store addresses from env, with flags winning", () => {
  const env = { SLIPWAY_RUN_ROOT: runRoot, SLIPWAY_DATA_ROOT: "/srv/slipway", SLIPWAY_ORCHESTRATOR_ADDR: "unix:/run/o.sock" };
  expect(loadEngineApiConfig([], env)).toEqual({
    socketPath: join(runRoot, "docker.sock"),
    tcp: undefined,
    dataRoot: "/srv/slipway",
    orchestrator: "unix:/run/o.sock",
    imageStore: "127.0.0.1:7702",
  });
  expect(loadEngineApiConfig(["--data-root", "rel/data", "--tcp", "127.0.0.1:2375"], env)).toMatchObject({
    dataRoot: resolve("rel/data"),
    tcp: "127.0.0.1:2375",
  });
});

it("refuses bad values with one line naming them", () => {
  expect(() => loadEngineApiConfig([], { SLIPWAY_RUN_ROOT: runRoot, SLIPWAY_IMAGE_STORE_ADDR: "nowhere" })).toThrow(
    new ConfigError('SLIPWAY_IMAGE_STORE_ADDR: "nowhere" is not a valid address; use host:port (port 0-65535) or unix:/path'),
  );
  expect(() => loadEngineApiConfig(["--socket", `/${"x".repeat(120)}`], { SLIPWAY_RUN_ROOT: runRoot })).toThrow(/longer than 107 bytes/);
});
