import type { Server } from "node:http";
import { ConfigError, createLogger, isEntryPoint, reportEventLoopDelay, stopOnSignal, type InProcessRegistry } from "@slipway/grpc-kit";
import { startAppMetrics } from "@slipway/metrics";
import { startTracing } from "@slipway/tracing";
import { createEngineApi } from "./app.js";
import { loadEngineApiConfig } from "./config.js";
import { measuredRoutes } from "./http/route-metrics.js";
import { createEngineApiServer } from "./http/server.js";
import { listenOnSocket, type OwnSocket } from "./socket.js";

// Decided once per process, before the app makes its servers, clients and logger.
startTracing();

const logger = createLogger("engine-api");

function listenOnTcp(server: Server, address: string): Promise<void> {
  const [, host = "127.0.0.1", port = "0"] = /^\[?(.*?)\]?:(\d+)$/.exec(address) ?? [];
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new ConfigError(
          err.code === "EADDRINUSE"
            ? `--tcp ${address} is already in use`
            : `cannot listen on ${address}: ${err.code === "EADDRNOTAVAIL" ? "no such local address" : err.message}`,
        ),
      );
    });
    server.listen({ host, port: Number(port) }, resolve);
  });
}

/**
 * Runs engine-api as its own process does: the Engine API on its socket (and TCP when told), over clients of
 * the orchestrator and image-store; npm start's one process passes the registry its apps share.
 */
export async function start(inProcess?: InProcessRegistry): Promise<void> {
  reportEventLoopDelay(logger);
  let ownSocket: OwnSocket | undefined;
  try {
    const config = { ...loadEngineApiConfig(process.argv.slice(2), process.env, logger), inProcess };
    const observed = await startAppMetrics("engine-api", config, logger);
    const api = createEngineApi({ ...config, observeClientCalls: observed?.metrics.grpcClient });
    const routes = observed ? measuredRoutes(api.routes, observed.metrics) : api.routes;
    const serverOptions = { limits: config.limits, hiddenPaths: [config.dataRoot] };
    const servers: Server[] = [];
    const onSocket = createEngineApiServer(routes, logger, serverOptions);
    ownSocket = await listenOnSocket(onSocket, config.socketPath, config.socketGroup);
    servers.push(onSocket);
    if (config.tcp) {
      const onTcp = createEngineApiServer(routes, logger, { ...serverOptions, tls: config.tcpCertificates });
      await listenOnTcp(onTcp, config.tcp);
      servers.push(onTcp);
    }
    logger.info(
      { socket: config.socketPath, group: config.socketGroup.name, tcp: config.tcp, tls: config.tcp ? config.tcpCertificates?.paths : undefined },
      `engine-api listening on unix://${config.socketPath}${config.tcp ? ` and https://${config.tcp} (client certificates required)` : ""}`,
    );
    const socket = ownSocket;
    stopOnSignal(async (signal) => {
      logger.info({ signal }, "engine-api stopping");
      api.stopping();
      const closing = servers.map((s) => new Promise((resolve) => (s.close(resolve), s.closeIdleConnections())));
      const force = setTimeout(() => servers.forEach((s) => s.closeAllConnections()), 5_000);
      await Promise.all(closing);
      clearTimeout(force);
      api.close();
      await observed?.endpoint.close();
      config.tcpCertificates?.close();
      config.certificates?.close();
      if (!socket.remove()) logger.warn({ socket: socket.path }, "the socket path no longer holds engine-api's socket; left it alone");
    });
  } catch (err) {
    // Whatever was bound goes away with the process; a socket put in place is removed (only if still ours).
    ownSocket?.remove();
    process.stderr.write(`engine-api: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
}

if (isEntryPoint(import.meta.url)) await start();
