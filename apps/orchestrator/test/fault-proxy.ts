import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceDefinition } from "@slipway/grpc-kit";

/**
 * Decides a unary call's fate, or each request message's on a bidi stream: forward it (and maybe do
 * something after), or fail the call without forwarding.
 */
export type Hook = (request: any, forward: () => Promise<unknown>) => Promise<unknown>;

export interface FaultProxy {
  readonly address: string;
  close(): Promise<void>;
}

/** A gRPC error as a store would send it. */
export function grpcError(code: status, details: string): Partial<ServiceError> {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

/**
 * A transparent proxy for the unary and bidi methods of one service, in front of a real store: fault injection
 * (a store that rejects a step, or dies half way) without mocking the store itself. It listens on a unix socket
 * in a private temp directory and dials the store's unix socket, so plain gRPC on both sides.
 */
export async function startFaultProxy(definition: ServiceDefinition, target: string, hooks: Record<string, Hook>): Promise<FaultProxy> {
  const upstream = new Client(target, credentials.createInsecure());
  const server = new Server();
  const implementation: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const hook: Hook = hooks[name] ?? ((_request, next) => next());
    if (method.requestStream && method.responseStream)
      implementation[name] = (call: ServerDuplexStream<unknown, unknown>) => proxyBidi(upstream, method, hook, call);
    else if (!method.requestStream && !method.responseStream) implementation[name] = proxyUnary(upstream, method, hook);
  }
  server.addService(definition, implementation as never);
  const dir = mkdtempSync(join(tmpdir(), "slipway-"));
  const address = `unix:${join(dir, "fault-proxy.sock")}`;
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address,
    close: async () => {
      upstream.close();
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Method = ServiceDefinition[string];

function proxyUnary(upstream: Client, method: Method, hook: Hook) {
  return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    const forward = () =>
      new Promise((resolve, reject) =>
        upstream.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          call.request,
          new Metadata(),
          { deadline: Date.now() + 30_000 },
          (err, res) => (err ? reject(err) : resolve(res)),
        ),
      );
    hook(call.request, forward).then(
      (response) => callback(null, response),
      (err: ServiceError) => callback(statusOf(err)),
    );
  };
}

/** Responses pass through as they come; each request message goes through the hook, in order. */
function proxyBidi(upstream: Client, method: Method, hook: Hook, call: ServerDuplexStream<unknown, unknown>): void {
  const up = upstream.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, new Metadata(), {
    deadline: Date.now() + 30_000,
  });
  let failed = false;
  const fail = (err: ServiceError) => {
    if (failed) return;
    failed = true;
    up.cancel();
    call.emit("error", statusOf(err));
  };
  up.on("data", (response) => call.write(response));
  up.on("end", () => !failed && call.end());
  up.on("error", fail);
  call.on("cancelled", () => up.cancel());
  let inOrder = Promise.resolve();
  call.on("data", (request) => {
    inOrder = inOrder.then(() => hook(request, async () => void up.write(request)).then(() => undefined, fail));
  });
  call.on("end", () => void inOrder.then(() => up.end()));
}

function statusOf(err: ServiceError) {
  return { code: err.code ?? status.INTERNAL, details: err.details ?? err.message };
}
