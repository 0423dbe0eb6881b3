import type { PeerCertificate, TLSSocket } from "node:tls";
import {
  credentials,
  experimental,
  Metadata,
  ServerCredentials,
  ServerInterceptingCall,
  status,
  type ChannelCredentials,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import { ConfigError } from "../config.js";
import { decideAccess } from "./access-policy.js";
import type { CertificateFiles, CertificateSet } from "./certificate-files.js";
import { identityOf, identityUri } from "./identity.js";

/** TCP is the network: Slipway speaks it only over TLS 1.3 with a client certificate on both ends. */
const TLS_VERSION = "TLSv1.3";

export function isUnixAddress(address: string): boolean {
  return address.startsWith("unix:");
}

/**
 * What a server listens with: plain on a unix socket (its file mode is the access control), mutual TLS
 * on TCP with every call checked against the access policy. The handshake asks for a client certificate
 * without demanding one, so that a caller without one gets UNAUTHENTICATED with a reason (and health
 * checks stay open) instead of a bare handshake failure.
 */
export function serverCredentialsFor(bind: string, app: string, certificates: CertificateFiles | undefined, logger: Logger): ServerCredentials {
  if (isUnixAddress(bind)) return ServerCredentials.createInsecure();
  if (!certificates) throw tlsRequired(app, bind, "listens on");
  return experimental.createServerCredentialsWithInterceptors(new ReloadingServerCredentials(certificates), [accessInterceptor(app, logger)]);
}

/**
 * What a client dials with: plain to a unix socket, mutual TLS over TCP, checking that the server's
 * certificate names `expected` (any Slipway identity when undefined).
 */
export function channelCredentialsFor(address: string, expected: string | undefined, certificates: CertificateFiles | undefined): ChannelCredentials {
  if (isUnixAddress(address)) return credentials.createInsecure();
  if (!certificates) throw tlsRequired(expected ?? "a Slipway app", address, "is reached at");
  return experimental.createCertificateProviderChannelCredentials(certificates, certificates, {
    checkServerIdentity: (host: string, cert: PeerCertificate) => {
      const identity = identityOf(cert);
      if (identity !== undefined && (expected === undefined || identity === expected)) return undefined;
      const wanted = expected ? identityUri(expected) : "a Slipway identity";
      return new Error(
        `the server at ${host} presented ${identity ? identityUri(identity) : "a certificate without a Slipway identity"}, not ${wanted}`,
      );
    },
  });
}

/**
 * Channel options for a TLS channel: the server name sent in the handshake (SNI) is the app's name, never
 * the IP address dialled (RFC 6066 forbids addresses there, and the identity check looks at the URI anyway).
 */
export function tlsChannelOptions(address: string, expected: string | undefined): Record<string, string> {
  return isUnixAddress(address) ? {} : { "grpc.ssl_target_name_override": expected ?? "slipway" };
}

function tlsRequired(app: string, address: string, verb: string): ConfigError {
  return new ConfigError(
    `${app} ${verb} TCP ${address}, which Slipway speaks only with mutual TLS: make certificates with "npx slipway certs --out DIR" and set SLIPWAY_TLS_DIR=DIR (or use a unix: address)`,
  );
}

/** grpc-js server credentials whose certificates follow the files (new connections get the new ones). */
class ReloadingServerCredentials extends ServerCredentials {
  constructor(certificates: CertificateFiles) {
    super({ requestCert: true, rejectUnauthorized: false, minVersion: TLS_VERSION }, contextOptions(certificates.certificates));
    certificates.onChange((set) => this.updateSecureContextOptions(contextOptions(set)));
  }

  _equals(other: ServerCredentials): boolean {
    return this === other;
  }
}

function contextOptions(set: CertificateSet) {
  return { ca: set.ca, cert: set.cert, key: set.key, minVersion: TLS_VERSION } as const;
}

/** Refuses, before the handler runs, every call the access policy does not allow; one log line each. */
function accessInterceptor(app: string, logger: Logger): ServerInterceptor {
  return (descriptor, call) =>
    new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, forward) => {
            const peer = peerOf(call);
            const decision = decideAccess(descriptor.path, peer.identity, app, peer.reason);
            if (decision.allowed) return forward(metadata);
            logger.warn(
              {
                method: descriptor.path,
                code: status[decision.code],
                peer: call.getPeer(),
                identity: peer.identity && identityUri(peer.identity),
                reason: peer.reason,
              },
              "call refused",
            );
            call.sendStatus({ code: decision.code, details: decision.message, metadata: new Metadata() });
          },
        }),
    });
}

/** The verified identity of the caller, or why there is none. */
function peerOf(call: ServerInterceptingCallInterface): { identity?: string; reason?: string } {
  const cert = call.getAuthContext().sslPeerCertificate;
  if (cert) {
    const identity = identityOf(cert);
    return identity ? { identity } : { reason: "its certificate names no spiffe://slipway/ identity" };
  }
  return { reason: rejectionOf(call) };
}

/**
 * grpc-js reports only verified certificates; why one failed (expired, another CA) is on the TLS socket,
 * which its base call keeps. Read defensively: without it the reason is the generic one.
 */
function rejectionOf(call: ServerInterceptingCallInterface): string {
  const socket = (call as unknown as { stream?: { session?: { socket?: TLSSocket } } }).stream?.session?.socket;
  const presented = socket ? Object.keys(socket.getPeerCertificate() ?? {}).length > 0 : false;
  const error = socket?.authorizationError as (Error & { code?: string }) | string | undefined;
  if (!presented || !error) return "no client certificate was presented";
  if (typeof error === "string") return `the client certificate was refused: ${error}`;
  return `the client certificate was refused: ${error.code ?? error.message}`;
}
