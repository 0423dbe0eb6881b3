import type { EventEmitter } from "node:events";
import type { Metadata, ServerUnaryCall } from "@grpc/grpc-js";
import { identityOf, identityUri } from "./security/identity.js";

/** What every server call has in common (grpc-js does not export its own name for this). */
export type ServerSurfaceCall = EventEmitter &
  Pick<ServerUnaryCall<unknown, unknown>, "cancelled" | "metadata" | "getPeer" | "getDeadline" | "getPath" | "getAuthContext">;

/** What a handler knows about the call it serves; pass it as `parent` to propagate the deadline. */
export interface CallContext {
  /** "/slipway.layerstore.v1.LayerStoreService/GetLayer". */
  readonly method: string;
  /** The caller's deadline, if it sent one. */
  readonly deadline: Date | undefined;
  /** Aborted when the caller cancels or the deadline passes. */
  readonly signal: AbortSignal;
  readonly metadata: Metadata;
  /** Who called: a TLS caller's identity and address, "unix-socket", or "in-process". */
  readonly peer: string;
  /** The underlying gRPC call, for deadline and cancellation propagation to downstream calls; none in-process. */
  readonly call?: ServerSurfaceCall;
}

/**
 * The context of a server call. Its signal and peer are made when first read: most calls never read them,
 * and an AbortController and a listener per call cost every call.
 */
export function contextOf(method: string, call: ServerSurfaceCall): CallContext {
  const raw = call.getDeadline();
  const deadline = raw instanceof Date ? raw : Number.isFinite(raw) ? new Date(raw) : undefined;
  let signal: AbortSignal | undefined;
  let peer: string | undefined;
  return {
    method,
    deadline,
    metadata: call.metadata,
    call,
    get signal() {
      return (signal ??= cancellationOf(method, call));
    },
    get peer() {
      return (peer ??= peerOf(call));
    },
  };
}

function cancellationOf(method: string, call: ServerSurfaceCall): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort(new Error(`${method} was cancelled by the caller`));
  if (call.cancelled) abort();
  else call.once("cancelled", abort);
  return controller.signal;
}

/** grpc-js knows no address for a unix socket's peer; whoever it is passed the socket's file mode. */
function peerOf(call: ServerSurfaceCall): string {
  const address = call.getPeer();
  const identity = identityOf(call.getAuthContext().sslPeerCertificate);
  if (identity) return `${identityUri(identity)}@${address}`;
  return address === "unknown" ? "unix-socket" : address;
}
