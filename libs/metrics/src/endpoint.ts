import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import {
  claimSocketPath,
  ConfigError,
  isUnixAddress,
  secureSocket,
  type CertificateFiles,
  type CertificateSet,
  type Logger,
} from "@slipway/grpc-kit";
import type { Registry } from "prom-client";
import type { MetricsConfig } from "./config.js";

/** A running metrics listener. */
export interface MetricsEndpoint {
  /** unix:///run/slipway/layer-store-metrics.sock, or https://127.0.0.1:9701/metrics. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves GET /metrics (Prometheus' text format) from `registry` on its own listener: a unix socket claimed and
 * secured as the gRPC sockets are (0660 root:<socket group>), or on TCP HTTPS that only clients with a
 * certificate from Slipway's CA may use (Prometheus' scrape tls_config presents one).
 */
export async function startMetricsEndpoint(app: string, registry: Registry, config: MetricsConfig, logger: Logger): Promise<MetricsEndpoint> {
  const server =
    config.certificates && !isUnixAddress(config.bind) ? httpsServer(registry, config.certificates) : createHttpServer(answerer(registry));
  const url = isUnixAddress(config.bind) ? await listenOnSocket(server, app, config) : await listenOnTcp(server, config);
  // The endpoint never keeps a process alive: one whose app stopped serving exits as it would without it.
  server.unref();
  logger.info({ url }, `${app} serving metrics on ${url}`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function listenOnSocket(server: Server, app: string, config: MetricsConfig): Promise<string> {
  const path = config.bind.slice("unix:".length);
  await claimSocketPath(path, `${app}'s metrics endpoint`, { where: `(${config.bindEnv})` });
  await listen(server, { path }, config);
  secureSocket(path, config.socketGroup);
  return `unix://${path}`;
}

async function listenOnTcp(server: Server, config: MetricsConfig): Promise<string> {
  const [, host = "", port = "0"] = /^\[?(.*?)\]?:(\d+)$/.exec(config.bind) ?? [];
  await listen(server, { host, port: Number(port) }, config);
  const shown = host.includes(":") ? `[${host}]` : host;
  return `https://${shown}:${(server.address() as AddressInfo).port}/metrics`;
}

function listen(server: Server, where: { path: string } | { host: string; port: number }, config: MetricsConfig): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      const reason = err.code === "EADDRINUSE" ? "it is already in use" : err.code === "EADDRNOTAVAIL" ? "no such local address" : err.message;
      reject(new ConfigError(`${config.bindEnv}: cannot serve metrics on ${config.bind}: ${reason}`));
    });
    server.listen(where, resolve);
  });
}

const TLS_VERSION = "TLSv1.3";

/** HTTPS for clients with a certificate the CA signed; after a rotation new connections get the new certificates. */
function httpsServer(registry: Registry, certificates: CertificateFiles): Server {
  const contextOf = ({ ca, cert, key }: CertificateSet) => ({ ca, cert, key, minVersion: TLS_VERSION }) as const;
  const server = createHttpsServer({ ...contextOf(certificates.certificates), requestCert: true, rejectUnauthorized: true }, answerer(registry));
  const stop = certificates.onChange((set) => server.setSecureContext(contextOf(set)));
  server.once("close", stop);
  return server;
}

function answerer(registry: Registry): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.url?.split("?")[0] !== "/metrics") return answer(res, 404, "not found: the metrics are at GET /metrics\n");
    if (req.method !== "GET" && req.method !== "HEAD") return answer(res, 405, "only GET and HEAD are served here\n", { Allow: "GET, HEAD" });
    registry.metrics().then(
      (text) => answer(res, 200, req.method === "HEAD" ? "" : text, { "Content-Type": registry.contentType }),
      (err: unknown) => answer(res, 500, `${err instanceof Error ? err.message : String(err)}\n`),
    );
  };
}

function answer(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers });
  res.end(body);
}
