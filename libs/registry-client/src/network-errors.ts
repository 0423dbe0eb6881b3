/**
 * Go's wording of connection and TLS failures (net, crypto/tls, crypto/x509, net/http), for the errors
 * Node and undici raise. dockerd's messages quote these; a Node error code never reaches a user.
 */
import { hostOf } from "./host.js";

interface NodeError {
  readonly code?: string;
  readonly message?: string;
  readonly address?: string;
  readonly port?: number;
  readonly hostname?: string;
  readonly host?: string;
  readonly cert?: { readonly subjectaltname?: string };
}

const UNKNOWN_AUTHORITY = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
]);

/** The text Go would give for a failed connection to `host` ("host:port"). */
export function goNetworkErrorText(err: unknown, host: string): string {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as NodeError;
  const code = e.code ?? "";
  const target = e.address !== undefined && e.port !== undefined ? joinHostPort(e.address, e.port) : host;
  if (code === "ECONNREFUSED") return `dial tcp ${target}: connect: connection refused`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") return `dial tcp: lookup ${e.hostname ?? hostOf(host)}: no such host`;
  if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return `dial tcp ${target}: i/o timeout`;
  if (code === "ENETUNREACH" || code === "EHOSTUNREACH")
    return `dial tcp ${target}: connect: ${code === "ENETUNREACH" ? "network" : "host"} is unreachable`;
  if (code === "ECONNRESET") return "read: connection reset by peer";
  if (code === "EPIPE") return "write: broken pipe";
  if (code === "UND_ERR_SOCKET" || code === "UND_ERR_RES_CONTENT_LENGTH_MISMATCH") return "unexpected EOF";
  if (code === "UND_ERR_HEADERS_TIMEOUT") return "net/http: timeout awaiting response headers";
  if (code === "UND_ERR_BODY_TIMEOUT") return "net/http: request canceled (Client.Timeout or context cancellation while reading body)";
  if (code === "ABORT_ERR" || code === "UND_ERR_ABORTED") return "context canceled";
  if (
    code === "ERR_SSL_WRONG_VERSION_NUMBER" ||
    code === "ERR_SSL_PACKET_LENGTH_TOO_LONG" ||
    /wrong version number|packet length too long/.test(e.message ?? "")
  ) {
    return "http: server gave HTTP response to HTTPS client";
  }
  if (UNKNOWN_AUTHORITY.has(code)) return "x509: certificate signed by unknown authority";
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") return "x509: certificate has expired or is not yet valid";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return hostnameMismatch(e, host);
  const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code);
  if (alert) return `remote error: tls: ${alert[1]!.toLowerCase().replaceAll("_", " ")}`;
  return (e.message ?? "unknown error").replace(/\b(?:E[A-Z]{3,}|UND_ERR_[A-Z_]+|ERR_[A-Z_]+)\b:?\s*/g, "").trim() || "connection failed";
}

function hostnameMismatch(e: NodeError, host: string): string {
  const names = (e.cert?.subjectaltname ?? "")
    .split(", ")
    .filter((name) => /^(?:DNS|IP Address):/.test(name))
    .map((name) => name.replace(/^(?:DNS|IP Address):/, ""));
  const wanted = hostOf(host);
  return names.length > 0 ? `x509: certificate is valid for ${names.join(", ")}, not ${wanted}` : `x509: certificate is not valid for ${wanted}`;
}

function joinHostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
