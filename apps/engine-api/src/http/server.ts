import { createServer as createHttpServer, ServerResponse, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { SlipwayError } from "@slipway/errors";
import { SLOW_CALL_MS, type CertificateFiles, type CertificateSet, type Logger } from "@slipway/grpc-kit";
import { DEFAULT_LIMITS, type HttpLimits } from "../config.js";
import { API_VERSION, splitVersion, versionError } from "./api-version.js";
import { HttpError, httpErrorOf } from "./errors.js";
import { hasBody } from "./request.js";
import { cutResponse, NOT_IMPLEMENTED, sendError, setDockerHeaders } from "./responses.js";
import { inRequestSpans, spanNamedRoutes } from "./request-spans.js";
import { matchRoute, type Route } from "./router.js";

const BODY_BUFFER_BYTES = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * TLS 1.3 only, as between Slipway's own apps: the docker CLI (Go's crypto/tls) speaks it, from the
 * Debian 20.10 CLI to 28.x, and so does every OpenSSL 1.1.1+ client.
 */
export const TLS_MIN_VERSION = "TLSv1.3";

/** How long a client that was answered 413 may go on sending the rest of its body before it is cut off. */
const LINGER_AFTER_REFUSAL_MS = 10_000;

export interface EngineApiServerOptions {
  readonly limits?: Partial<HttpLimits>;
  /** Paths (the data root) that never appear in an HTTP error body. */
  readonly hiddenPaths?: readonly string[];
  /**
   * HTTPS with client certificates, as dockerd's --tlsverify: any certificate the CA signed is accepted. The
   * files are followed: after a rotation new connections get the new certificates, open ones keep theirs.
   */
  readonly tls?: CertificateFiles;
}

/**
 * The Engine API HTTP server: version prefixes, dockerd's headers and error bodies, one log line per request,
 * and limits against clients that hold connections or send too much (headers timeout, body cap and timeout,
 * idle timeout, connections per client and in all).
 */
export function createEngineApiServer(routes: readonly Route[], logger: Logger, options: EngineApiServerOptions = {}): Server {
  const limits: HttpLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const hiddenPaths = options.hiddenPaths ?? [];
  const httpOptions = {
    keepAlive: true,
    // requestTimeout 0: `docker load` bodies stream for as long as the archive takes. It would also turn
    // the headers timeout off, so that is set on its own: a client has headersTimeout to send its headers.
    requestTimeout: 0,
    headersTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, limits.headersTimeoutMs / 4)),
    // A body is read as whatever has arrived (up to highWaterMark) per message: with the default 16 KiB, a
    // load would pay gRPC's per-message cost for every ~64 KiB socket read.
    highWaterMark: BODY_BUFFER_BYTES,
  };
  const warnings = new OncePerMinute(logger);
  const served = spanNamedRoutes(routes);
  const handler = inRequestSpans((req: IncomingMessage, res: ServerResponse, upgraded?: Duplex) => {
    const started = performance.now();
    let hijacked = false;
    res.once("close", () => {
      const entry = { method: req.method, url: req.url, status: hijacked ? 101 : res.statusCode, durationMs: elapsed(started) };
      if (res.writableFinished || hijacked) logRequest(logger, entry);
      else logger.warn(entry, "http response not completed (client went away or the stream failed)");
    });
    const upgrade = upgraded && (() => ((hijacked = true), upgraded));
    dispatch(served, req, res, limits, upgrade).catch((err: unknown) => {
      const { status, message } = httpErrorOf(err, hiddenPaths);
      // A store's error says enough; anything else is a bug here, worth its stack. The log has the
      // original message; the client gets the public one.
      const original = err instanceof Error ? err.message : String(err);
      const stack = err instanceof SlipwayError || err instanceof HttpError ? undefined : (err as Error | undefined)?.stack;
      if (status >= 500) logger.error({ url: req.url, status, error: original, stack }, "request failed");
      else if (err instanceof HttpError) logger.warn({ url: req.url, status, peer: peerOf(req.socket), error: original }, "request refused");
      if (err instanceof HttpError && status === 413) lingerThenCut(req, res);
      if (err instanceof HttpError && status === 408) res.shouldKeepAlive = false;
      if (hijacked) upgraded?.destroy();
      else if (!res.headersSent) sendError(res, status, message);
      else cutResponse(res);
    });
  });
  /**
   * A request with `Connection: Upgrade` (the CLI's attach, `Upgrade: tcp`) arrives here with the raw
   * connection, no longer parsed as HTTP (so that what the client then sends, its stdin, is never taken for a
   * request). It goes through the same routes: one that hijacks takes the connection over; any other answer
   * is an ordinary response written onto the connection, which is then closed.
   */
  const onUpgrade = (req: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => socket.destroy());
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    res.once("finish", () => socket.end());
    handler(req, res, socket);
  };

  let server: Server;
  if (options.tls) {
    const certificates = options.tls;
    const https = createHttpsServer(
      {
        ...httpOptions,
        ...contextOptions(certificates.certificates),
        requestCert: true,
        rejectUnauthorized: true,
        // The handshake counts as part of the headers: a client that never finishes it is let go as soon.
        handshakeTimeout: limits.headersTimeoutMs,
      },
      handler,
    );
    server = https;
    const stop = certificates.onChange((set) => {
      https.setSecureContext(contextOptions(set));
      logger.info({ cert: certificates.paths.cert }, "TCP listener: new connections use the reloaded certificates");
    });
    server.once("close", stop);
    server.on("tlsClientError", (err: Error & { code?: string }, socket: Socket) => {
      if (err.code === "ECONNRESET") return;
      warnings.warn(
        peerOf(socket),
        { peer: peerOf(socket), reason: err.code ?? err.message },
        "TLS handshake refused (no client certificate, another CA, or an expired one)",
      );
    });
  } else {
    server = createHttpServer(httpOptions, handler);
  }
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.on("upgrade", onUpgrade);
  limitConnections(server, limits, warnings);
  return server;
}

function contextOptions(set: CertificateSet) {
  return { ca: set.ca, cert: set.cert, key: set.key, minVersion: TLS_MIN_VERSION } as const;
}

/**
 * Connections beyond the caps are closed as they arrive: `maxConnections` per listener (all the unix
 * socket's clients look alike, so that is their cap), and `maxConnectionsPerClient` per remote address on TCP.
 */
function limitConnections(server: Server, limits: HttpLimits, warnings: OncePerMinute): void {
  server.maxConnections = limits.maxConnections;
  server.on("drop", (data?: { remoteAddress?: string }) => {
    const client = data?.remoteAddress ? normalAddress(data.remoteAddress) : "unix socket";
    warnings.warn(`total:${client}`, { peer: client, limit: limits.maxConnections }, `${limits.maxConnections} connections are open: refused more`);
  });
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    if (!socket.remoteAddress) return;
    const client = normalAddress(socket.remoteAddress);
    const count = (open.get(client) ?? 0) + 1;
    if (count > limits.maxConnectionsPerClient) {
      socket.destroy();
      warnings.warn(
        client,
        { peer: client, limit: limits.maxConnectionsPerClient },
        `${client} has ${limits.maxConnectionsPerClient} connections open: refused more`,
      );
      return;
    }
    open.set(client, count);
    socket.once("close", () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left > 0) open.set(client, left);
      else open.delete(client);
    });
  });
}

/** A warning logged at most once a minute per key (a client that keeps being refused is one line, not thousands). */
class OncePerMinute {
  private readonly last = new Map<string, number>();
  constructor(private readonly logger: Logger) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if (now - (this.last.get(key) ?? -Infinity) < 60_000) return;
    if (this.last.size > 10_000) for (const [k, at] of this.last) if (now - at >= 60_000) this.last.delete(k);
    this.last.set(key, now);
    this.logger.warn(fields, message);
  }
}

function normalAddress(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

function peerOf(socket: Socket): string {
  return socket.remoteAddress ? `${normalAddress(socket.remoteAddress)}:${socket.remotePort}` : "unix socket";
}

async function dispatch(
  routes: readonly Route[],
  req: IncomingMessage,
  res: ServerResponse,
  limits: HttpLimits,
  upgrade?: () => Duplex,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://engine-api");
  const { version, path } = splitVersion(url.pathname);
  const tooNewOrOld = versionError(version);
  if (tooNewOrOld) {
    setDockerHeaders(res, false);
    return sendError(res, 400, tooNewOrOld);
  }
  const match = matchRoute(routes, req.method ?? "GET", path);
  const streams = match !== undefined && "route" in match && match.route.streamsBody === true;
  // An upgraded connection is no longer parsed as HTTP: its body, if any, is not read (no hijacking route takes one).
  const body = streams || upgrade ? EMPTY : await readBody(req, limits, `${req.method} ${path}`);
  if (match === undefined) {
    setDockerHeaders(res);
    return sendError(res, 501, `${req.method} ${path} is not implemented by Slipway. ${NOT_IMPLEMENTED}`);
  }
  if ("methodMismatch" in match) return sendError(res, 404, "page not found");
  setDockerHeaders(res);
  await match.route.handle({ req, res, params: match.params, query: url.searchParams, apiVersion: version ?? API_VERSION, body, upgrade });
}

/**
 * A request body read completely, at most `maxBodyBytes` (413 beyond: at once when Content-Length says so,
 * else as soon as the bytes pass it) and with at most `bodyTimeoutMs` between two pieces (408).
 */
function readBody(req: IncomingMessage, limits: HttpLimits, what: string): Promise<Buffer> {
  if (!hasBody(req)) return Promise.resolve(EMPTY);
  const tooLarge = () => new HttpError(413, `request body exceeds the ${sizeOf(limits.maxBodyBytes)} limit for ${what}`);
  if (Number(req.headers["content-length"] ?? 0) > limits.maxBodyBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | undefined) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onClose).off("close", onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) return finish(tooLarge());
      chunks.push(chunk);
      timer.refresh();
    };
    const onEnd = () => finish(undefined);
    const onClose = () => finish(new HttpError(400, `the client closed the connection before the body of ${what} was complete`));
    const timer = setTimeout(
      () => finish(new HttpError(408, `the body of ${what} stalled: nothing arrived for ${limits.bodyTimeoutMs / 1000} s`)),
      limits.bodyTimeoutMs,
    );
    req.on("data", onData).once("end", onEnd).once("error", onClose).once("close", onClose);
  });
}

/**
 * After a 413 the rest of the body is read and dropped (so that the client reads the answer instead of a
 * reset, and the connection can stay open), for a while: a client that keeps sending is then cut off.
 */
function lingerThenCut(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.once("finish", () => {
    if (req.complete) return;
    const cut = setTimeout(() => req.socket.destroy(), LINGER_AFTER_REFUSAL_MS).unref();
    req.once("end", () => clearTimeout(cut)).once("close", () => clearTimeout(cut));
  });
}

function sizeOf(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * A request answered quickly and well is logged at debug, as dockerd logs the calls it serves; one that was
 * refused, failed or slow at info, so that the info log shows what went wrong without the per-request cost.
 */
function logRequest(logger: Logger, entry: { status: number; durationMs: number }): void {
  const quiet = entry.status < 400 && entry.durationMs < SLOW_CALL_MS;
  if (quiet) logger.debug(entry, "http");
  else logger.info(entry, "http");
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
