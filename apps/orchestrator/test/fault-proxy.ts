import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceDefinition } from "@slipway/grpc-kit";

/** Decides a call's fate: forward it (and maybe do something after), or fail it without forwarding. */
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
 * A transparent proxy for the unary methods of one service, in front of a real store: fault injection
 * (a store that rejects a step, or dies half way) without mocking the store itself. It listens on a unix socket
 * in a private temp directory and dials the store's unix socket, so plain gRPC on both sides.
 */
export async function startFaultProxy(definition: ServiceDefinition, target: string, hooks: Record<string, Hook>): Promise<FaultProxy> {
  const upstream = new Client(target, credentials.createInsecure());
  const server = new Server();
  const implementation: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) continue;
    implementation[name] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
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
      const hook: Hook = hooks[name] ?? ((_request, next) => next());
      hook(call.request, forward).then(
        (response) => callback(null, response),
        (err: ServiceError) => callback({ code: err.code ?? status.INTERNAL, details: err.details ?? err.message }),
      );
    };
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
