import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "@slipway/grpc-kit";
import { afterAll, expect, it } from "vitest";
import { DEFAULT_LIMITS, loadEngineApiConfig } from "./config.js";

const runRoot = mkdtempSync(join(tmpdir(), "engine-api-config-"));
afterAll(() => rmSync(runRoot, { recursive: true, force: true }));

it("reads the data root, socket and store addresses from env, with flags winning; stores default to the run root's sockets", () => {
  const env = { SLIPWAY_RUN_ROOT: runRoot, SLIPWAY_DATA_ROOT: "/srv/slipway", SLIPWAY_ORCHESTRATOR_ADDR: "unix:/run/o.sock" };
  expect(loadEngineApiConfig([], env)).toMatchObject({
    socketPath: join(runRoot, "docker.sock"),
    runRoot,
    tcp: undefined,
    tcpCertificates: undefined,
    certificates: undefined,
    dataRoot: "/srv/slipway",
    orchestrator: "unix:/run/o.sock",
    imageStore: `unix:${join(runRoot, "image-store.sock")}`,
    limits: DEFAULT_LIMITS,
  });
  expect(loadEngineApiConfig(["--data-root", "rel/data", "--max-body-bytes", "1024", "--headers-timeout", "0.5"], env)).toMatchObject({
    dataRoot: resolve("rel/data"),
    limits: { ...DEFAULT_LIMITS, maxBodyBytes: 1024, headersTimeoutMs: 500 },
  });
  expect(
    loadEngineApiConfig([], { ...env, SLIPWAY_ENGINE_API_MAX_CONNECTIONS_PER_CLIENT: "8", SLIPWAY_ENGINE_API_HEADERS_TIMEOUT_SECONDS: "3" }).limits,
  ).toEqual({ ...DEFAULT_LIMITS, maxConnectionsPerClient: 8, headersTimeoutMs: 3000 });
  expect(loadEngineApiConfig(["--idle-timeout", "7"], env).limits.idleTimeoutMs).toBe(7000);
  expect(loadEngineApiConfig([], { ...env, SLIPWAY_ENGINE_API_IDLE_TIMEOUT_SECONDS: "0.5" }).limits.idleTimeoutMs).toBe(500);
});

it("makes the run root 0750", () => {
  loadEngineApiConfig([], { SLIPWAY_RUN_ROOT: runRoot });
  expect(statSync(runRoot).mode & 0o777).toBe(0o750);
});

it("refuses bad values with one line naming them", () => {
  expect(() => loadEngineApiConfig([], { SLIPWAY_RUN_ROOT: runRoot, SLIPWAY_IMAGE_STORE_ADDR: "nowhere" })).toThrow(
    new ConfigError('SLIPWAY_IMAGE_STORE_ADDR: "nowhere" is not a valid address; use host:port (port 0-65535) or unix:/path'),
  );
  expect(() => loadEngineApiConfig(["--socket", `/${"x".repeat(120)}`], { SLIPWAY_RUN_ROOT: runRoot })).toThrow(/longer than 107 bytes/);
  expect(() => loadEngineApiConfig(["--max-body-bytes", "lots"], { SLIPWAY_RUN_ROOT: runRoot })).toThrow(
    new ConfigError('--max-body-bytes: "lots" is not a positive whole number of bytes'),
  );
  expect(() => loadEngineApiConfig([], { SLIPWAY_RUN_ROOT: runRoot, SLIPWAY_ENGINE_API_HEADERS_TIMEOUT_SECONDS: "0" })).toThrow(
    new ConfigError('SLIPWAY_ENGINE_API_HEADERS_TIMEOUT_SECONDS: "0" is not a positive number of seconds'),
  );
});

it("refuses TCP without TLS material, naming the flags to set", () => {
  expect(() => loadEngineApiConfig(["--tcp", "0.0.0.0:2375"], { SLIPWAY_RUN_ROOT: runRoot })).toThrow(
    new ConfigError(
      '--tcp 0.0.0.0:2375 needs TLS: set --tlscacert, --tlscert and --tlskey (or SLIPWAY_TLS_DIR with the certificates from "npx slipway certs")',
    ),
  );
  expect(() => loadEngineApiConfig([], { SLIPWAY_RUN_ROOT: runRoot, SLIPWAY_ENGINE_API_TCP: "127.0.0.1:2375" })).toThrow(
    /^SLIPWAY_ENGINE_API_TCP 127\.0\.0\.1:2375 needs TLS: set --tlscacert/,
  );
  expect(() => loadEngineApiConfig(["--tcp", "127.0.0.1:2375", "--tlscacert", "/x/ca.pem"], { SLIPWAY_RUN_ROOT: runRoot })).toThrow(
    "--tcp 127.0.0.1:2375 needs TLS: --tlscert is missing (set --tlscacert, --tlscert and --tlskey together)",
  );
  // Files named but absent: the certificate loader names the file.
  expect(() => loadEngineApiConfig(["--tcp", "127.0.0.1:2375"], { SLIPWAY_RUN_ROOT: runRoot, SLIPWAY_TLS_DIR: join(runRoot, "no-tls") })).toThrow(
    /cannot read the CA certificate .*no-tls\/ca\.crt: it does not exist/,
  );
  const key = join(runRoot, "open.key");
  writeFileSync(key, "x", { mode: 0o644 });
  expect(() =>
    loadEngineApiConfig(["--tcp", "127.0.0.1:2375", "--tlscacert", key, "--tlscert", key, "--tlskey", key], { SLIPWAY_RUN_ROOT: runRoot }),
  ).toThrow(/may be read by other users/);
});
