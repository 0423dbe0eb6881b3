import type { PeerCertificate } from "node:tls";

/**
 * Who a certificate belongs to: the one SAN URI of the form spiffe://slipway/<name>. Slipway checks this
 * URI, never host names, so a service may be reached under any address (a compose service name,
 * 127.0.0.1, a pod's loopback) as long as its certificate names it.
 */
export const IDENTITY_PREFIX = "spiffe://slipway/";

export function identityUri(name: string): string {
  return `${IDENTITY_PREFIX}${name}`;
}

/** The Slipway name a verified certificate carries, or undefined when it carries none (or several). */
export function identityOf(cert: Pick<PeerCertificate, "subjectaltname"> | undefined): string | undefined {
  const names = (cert?.subjectaltname ?? "")
    .split(/,\s*/)
    .filter((entry) => entry.startsWith(`URI:${IDENTITY_PREFIX}`))
    .map((entry) => entry.slice(`URI:${IDENTITY_PREFIX}`.length));
  return names.length === 1 && /^[a-z][a-z0-9-]*$/.test(names[0]!) ? names[0] : undefined;
}
