import { chmodSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { ConfigError, createLogger, stopOnSignal } from "@slipway/grpc-kit";
import { createEngineApi } from "./app.js";
import { loadEngineApiConfig } from "./config.js";
import { createEngineApiServer } from "./http/server.js";

const logger = createLogger("engine-api");

function listen(server: Server, target: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      const where = typeof target === "string" ? target : `${target.host}:${target.port}`;
      reject(new Error(err.code === "EADDRINUSE" ? `${where} is already in use` : `cannot listen on ${where}: ${err.message}`));
    });
    server.listen(target, resolve);
  });
}

try {
  const config = loadEngineApiConfig();
  const { routes, close } = createEngineApi(config);
  const servers: Server[] = [];
  rmSync(config.socketPath, { force: true });
  const onSocket = createEngineApiServer(routes, logger);
  await listen(onSocket, config.socketPath);
  chmodSync(config.socketPath, 0o660);
  servers.push(onSocket);
  if (config.tcp) {
    const [, host = "127.0.0.1", port = "0"] = /^\[?(.*?)\]?:(\d+)$/.exec(config.tcp) ?? [];
    const onTcp = createEngineApiServer(routes, logger);
    await listen(onTcp, { host, port: Number(port) });
    servers.push(onTcp);
  }
  logger.info({ socket: config.socketPath, tcp: config.tcp }, `engine-api listening on unix://${config.socketPath}`);
  stopOnSignal(async (signal) => {
    logger.info({ signal }, "engine-api stopping");
    const closing = servers.map((s) => new Promise((resolve) => (s.close(resolve), s.closeIdleConnections())));
    const force = setTimeout(() => servers.forEach((s) => s.closeAllConnections()), 5_000);
    await Promise.all(closing);
    clearTimeout(force);
    close();
    rmSync(config.socketPath, { force: true });
  });
} catch (err) {
  process.stderr.write(`engine-api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
