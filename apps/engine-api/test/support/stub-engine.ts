import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@slipway/grpc-kit";
import { createEngineApi } from "../../src/app.js";
import { createEngineApiServer } from "../../src/http/server.js";
import { startStubBackends, type StubBackends } from "./stub-backends.js";

/** The data root the stub engine reports; it never appears in an error body. */
export const DATA_ROOT = "/srv/slipway-test-data";

/** engine-api's routes and HTTP server over stub backends, on a unix socket in a temp dir. */
export interface StubEngine {
  readonly stubs: StubBackends;
  /** The temp dir holding the socket; tests may put other files there. */
  readonly dir: string;
  readonly socketPath: string;
  stop(): Promise<void>;
}

export async function startStubEngine(): Promise<StubEngine> {
  const stubs = await startStubBackends();
  const dir = mkdtempSync(join(tmpdir(), "engine-api-"));
  const socketPath = join(dir, "docker.sock");
  const engine = createEngineApi({ orchestrator: stubs.address, imageStore: stubs.address, dataRoot: DATA_ROOT });
  const server: Server = createEngineApiServer(engine.routes, createLogger("engine-api", "silent"), { hiddenPaths: [DATA_ROOT] });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    stubs,
    dir,
    socketPath,
    stop: async () => {
      await new Promise((resolve) => server.close(resolve));
      engine.close();
      await stubs.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
