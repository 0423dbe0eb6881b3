import type { ServerOptions as Http2ServerOptions } from "node:http2";
import { createServer as createNetServer } from "node:net";
import { Server, type ServerCredentials, type ServiceDefinition as GrpcServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer, loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import { DESCRIPTOR_SET_BASE64 } from "@slipway/proto";
import type { Logger } from "pino";
import { installedCallHooks, observedServerCalls, producedInCallContext } from "./call-hooks.js";
import { serviceNameOf } from "./definitions.js";
import { framedSocketPath, serveFramed, type FramedServerOptions } from "./framed/framed-server.js";
import type { InProcessRegistry } from "./in-process.js";
import { callLog, type ServerMiddleware } from "./middleware.js";
import type { CertificateFiles } from "./security/certificate-files.js";
import { claimSocketPath, secureSocket, type SocketGroup } from "./security/local-socket.js";
import { isUnixAddress, serverCredentialsFor } from "./security/transport-credentials.js";
import { servedMethods, toGrpcImplementation, type ServedMethod, type ServiceRegistration } from "./server-handlers.js";

export interface ServiceOptions {
  /** App name for logs, e.g. "layer-store". */
  readonly name: string;
  /** "unix:/path/to.sock", or "host:port" (port 0 picks a free one), which needs `certificates`. */
  readonly bind: string;
  /** Who may open a unix socket besides root (default: root only). */
  readonly socketGroup?: SocketGroup;
  /** The app's certificates: a TCP listener serves mutual TLS with them and applies the access policy. */
  readonly certificates?: CertificateFiles;
  readonly logger: Logger;
  readonly services: readonly ServiceRegistration[];
  /** How long SIGTERM waits for calls in flight before cancelling them. */
  readonly drainTimeoutMs?: number;
  /** Where this process's services are hosted: this server's join them, for clients given the same registry. */
  readonly inProcess?: InProcessRegistry;
  /** Runs around every call of every service, inside the call log (the app's metrics). */
  readonly middleware?: readonly ServerMiddleware[];
}

export interface RunningService {
  /** The bound TCP port (0 for a unix socket). */
  readonly port: number;
  /** The address clients dial, e.g. "127.0.0.1:7701" or "unix:/run/x.sock". */
  readonly address: string;
  /** Health turns SERVING for every service. Call when startup recovery is done. */
  setServing(): void;
  /** Health turns NOT_SERVING; calls still run. */
  setNotServing(): void;
  /** NOT_SERVING, drain calls in flight (up to the drain timeout), then stop. */
  shutdown(): Promise<void>;
}

const SERVING = "SERVING";
const NOT_SERVING = "NOT_SERVING";

/**
 * Starts a gRPC server with the given services, health (NOT_SERVING until setServing)
 * and reflection over every Slipway service plus grpc.health.v1.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { logger } = options;
  // Channelz stays on here, unlike in clients: grpc-js (1.14.7) force-closes at shutdown only the
  // connections channelz tracks, so without it a stream that never ends would hold shutdown forever.
  const server = new Server({ "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  widenReceiveWindow(server);
  const names = options.services.map((s) => serviceNameOf(s.definition));
  const health = new HealthImplementation(Object.fromEntries(["", ...names].map((n) => [n, NOT_SERVING])));
  health.addToServer(server);
  addLazyReflection(server);
  // Each call, over the network or in-process, is logged once, around the service's own middleware; inside the
  // call as the installed hooks observe it (its span), so that the log line names the call's trace.
  const hooks = installedCallHooks();
  const observed = hooks ? [observedServerCalls(options.name, hooks)] : [];
  const served = options.services.map((registration) => servedMethods(registration, [...observed, callLog(logger), ...(options.middleware ?? [])]));
  options.services.forEach((registration, i) => server.addService(registration.definition, toGrpcImplementation(served[i]!)));
  const credentials = serverCredentialsFor(options.bind, options.name, options.certificates, logger);
  const port = await bind(server, options.bind, credentials, options.name, options.socketGroup ?? { name: "root", gid: 0 });
  const address = options.bind.startsWith("unix:") ? options.bind : options.bind.replace(/:\d+$/, `:${port}`);
  const setAll = (state: typeof SERVING | typeof NOT_SERVING) => {
    for (const n of ["", ...names]) health.setStatus(n, state);
  };
  // In-process and framed calls run as in-process.ts does, where whoever reads a response stream pulls it.
  const hosted = hooks ? producedInCallContext(served.flat()) : served.flat();
  const unhost = options.inProcess?.host(address, hosted) ?? (async () => undefined);
  const framed = isUnixAddress(address)
    ? await serveFramed(framedOptions(address, options, hosted)).catch((err: unknown) => {
        server.forceShutdown();
        throw err;
      })
    : undefined;
  logger.info({ address, services: names }, `${options.name} listening on ${address}`);
  let stopping: Promise<void> | undefined;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  return {
    port,
    address,
    setServing: () => setAll(SERVING),
    setNotServing: () => setAll(NOT_SERVING),
    shutdown: () =>
      (stopping ??= Promise.all([drain(server, drainTimeoutMs, () => setAll(NOT_SERVING), unhost), framed?.close(drainTimeoutMs)]).then(
        () => undefined,
      )),
  };
}

/**
 * Reflection over every Slipway service and grpc.health.v1, built on the first reflection call: building
 * its descriptor index takes a noticeable share of CPU, which at start-up would compete with the stores' recovery.
 * An empty ReflectionService (cheap) provides the service definitions to register up front.
 */
function addLazyReflection(server: Server): void {
  let full: RegisteredService[] | undefined;
  servicesOf(new ReflectionService({})).forEach(({ definition }, i) => {
    const handlers = Object.keys(definition).map((method) => {
      const handler = (call: unknown) => ((full ??= servicesOf(reflection()))[i]!.implementation[method] as (call: unknown) => void)(call);
      return [method, handler] as const;
    });
    server.addService(definition, Object.fromEntries(handlers));
  });
}

interface RegisteredService {
  readonly definition: GrpcServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/** What a ReflectionService would register on a server, captured instead. */
function servicesOf(reflection: ReflectionService): RegisteredService[] {
  const services: RegisteredService[] = [];
  const capture = {
    addService: (definition: GrpcServiceDefinition, implementation: UntypedServiceImplementation) => services.push({ definition, implementation }),
  };
  reflection.addToServer(capture as unknown as Server);
  return services;
}

function reflection(): ReflectionService {
  const slipway = loadFileDescriptorSetFromBuffer(Buffer.from(DESCRIPTOR_SET_BASE64, "base64"));
  const health = loadSync(healthProtoPath);
  return new ReflectionService({ ...slipway, ...health });
}

/** The framed socket beside a unix-socket server: the same methods, owner and mode (framed/framed-server.ts). */
function framedOptions(address: string, options: ServiceOptions, methods: ServedMethod[]): FramedServerOptions {
  return {
    path: framedSocketPath(address.slice("unix:".length)),
    app: options.name,
    methods,
    group: options.socketGroup ?? { name: "root", gid: 0 },
    logger: options.logger,
  };
}

async function bind(server: Server, address: string, credentials: ServerCredentials, app: string, group: SocketGroup): Promise<number> {
  const socketPath = address.startsWith("unix:") ? address.slice("unix:".length) : undefined;
  if (socketPath) await claimSocketPath(socketPath, app);
  const port = await bindOnce(server, address, credentials);
  if (socketPath) secureSocket(socketPath, group);
  return port;
}

function bindOnce(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, credentials, (err, port) => {
      if (!err) return resolve(port);
      // grpc-js only says "No address added"; find out whether the port is taken, which is the usual cause.
      void portInUse(address).then((inUse) =>
        reject(new Error(inUse ? `${address} is already in use` : `cannot listen on ${address}: ${err.message}`)),
      );
    }),
  );
}

function portInUse(address: string): Promise<boolean> {
  const match = /^\[?(.*?)\]?:(\d+)$/.exec(address);
  if (!match) return Promise.resolve(false);
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "EADDRINUSE"));
    probe.listen(Number(match[2]), match[1], () => probe.close(() => resolve(false)));
  });
}

function drain(server: Server, timeoutMs: number, markNotServing: () => void, unhost: () => Promise<void>): Promise<void> {
  markNotServing();
  const network = new Promise<void>((resolve) => {
    const timer = setTimeout(() => server.forceShutdown(), timeoutMs);
    server.tryShutdown(() => (clearTimeout(timer), resolve()));
  });
  const inProcess = Promise.race([unhost(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  return Promise.all([network, inProcess]).then(() => undefined);
}

/** The HTTP/2 receive window each call's stream gets from a Slipway server. */
export const SERVER_STREAM_WINDOW = 8 * 1024 * 1024;

/**
 * HTTP/2's default 64 KiB stream window makes a client stream (an image archive into image-store, a
 * layer into layer-store) wait for a WINDOW_UPDATE round trip every 64 KiB, which throttles a load.
 * grpc-js (pinned at 1.14.7) has no option for its servers' window but hands `commonServerOptions` to
 * http2.createServer, so the setting goes there; a test checks that clients see it.
 */
function widenReceiveWindow(server: Server): void {
  const internals = server as unknown as { commonServerOptions?: Http2ServerOptions };
  if (!internals.commonServerOptions) return;
  internals.commonServerOptions.settings = { ...internals.commonServerOptions.settings, initialWindowSize: SERVER_STREAM_WINDOW };
}
