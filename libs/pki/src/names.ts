import { isIP } from "node:net";

/** Every Slipway app that takes part in mutual TLS; `cli` is the `slipway` command's client identity. */
export const SLIPWAY_IDENTITIES = ["layer-store", "image-store", "container-config", "orchestrator", "engine-api", "cli"] as const;
export type SlipwayIdentity = (typeof SLIPWAY_IDENTITIES)[number];

/** The SPIFFE trust domain every Slipway identity lives in. */
export const SPIFFE_TRUST_DOMAIN = "slipway";

/** "orchestrator" → "spiffe://slipway/orchestrator", the URI SAN that names an app to its peers. */
export function spiffeIdOf(name: string): string {
  return `spiffe://${SPIFFE_TRUST_DOMAIN}/${name}`;
}

/** One subject alternative name as it goes into a certificate. */
export interface SubjectName {
  readonly type: "dns" | "ip";
  readonly value: string;
}

// A host name: dot-separated labels of letters, digits and inner hyphens (an "_" is tolerated, as in
// docker-compose service names); a leading "*." for a wildcard.
const LABEL = "[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?";
const DNS_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*\\.?$`);

/** True when `name` can be a DNS subject alternative name (a host name, or `*.` and one). */
export function isDnsName(name: string): boolean {
  return name.length <= 253 && DNS_NAME.test(name);
}

/**
 * A name given for a certificate, classified: an IPv4 or IPv6 literal becomes an IP SAN (an IPv6 one in
 * its canonical form, `[...]` accepted), anything else a DNS SAN, which must be a host name.
 */
export function subjectNameOf(name: string): SubjectName {
  const unbracketed = /^\[.*\]$/.test(name) ? name.slice(1, -1) : name;
  const family = isIP(unbracketed);
  if (family === 4) return { type: "ip", value: unbracketed };
  if (family === 6) {
    if (unbracketed.includes("%")) throw new TypeError(`an IPv6 address with a zone cannot be a certificate name: "${name}"`);
    // WHATWG URL parsing gives the canonical compressed form, with an embedded IPv4 part as hex groups.
    return { type: "ip", value: new URL(`http://[${unbracketed}]/`).hostname.slice(1, -1) };
  }
  if (!isDnsName(name)) throw new TypeError(`not a host name or an IP address: "${name}"`);
  return { type: "dns", value: name };
}
