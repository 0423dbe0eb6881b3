/**
 * Which URLs dockerd 20.10 tries for a registry, in order (registry.lookupV2Endpoints): for docker.io the
 * configured mirrors, then registry-1.docker.io; for any other registry HTTPS, and for an insecure one
 * HTTPS without verification and then plain HTTP. Insecure means listed in `insecure-registries` (a
 * host[:port], or a CIDR its addresses fall in) or on 127.0.0.0/8, which dockerd always adds.
 */
import { BlockList, isIP } from "node:net";
import { lookup as dnsLookup } from "node:dns/promises";
import { RegistryError } from "./errors.js";
import { hostOf } from "./host.js";

/** The registry that `docker.io` names. */
export const DOCKER_HUB_DOMAIN = "docker.io";
/** Where dockerd sends Docker Hub's API calls. */
export const DOCKER_HUB_API = "https://registry-1.docker.io";
const DOCKER_HUB_INDEX = "index.docker.io";
// dockerd's built-in insecure range.
const LOOPBACK_CIDR = "127.0.0.0/8";

/** One place to try. */
export interface Endpoint {
  /** The origin, "https://registry-1.docker.io", "http://127.0.0.1:5000". */
  readonly url: string;
  /** A registry mirror: any failure there moves on to the next endpoint. */
  readonly mirror: boolean;
  /** False on an insecure registry: its certificate is not checked. */
  readonly tlsVerify: boolean;
  /** "host[:port]" whose certs.d directory applies (none for Docker Hub itself or an insecure registry). */
  readonly certsHost?: string;
}

export interface RegistryHostsOptions {
  /** dockerd's `registry-mirrors`: "https://mirror.example.com" (scheme optional, https assumed). */
  readonly mirrors?: readonly string[];
  /** dockerd's `insecure-registries`: "host:port" or CIDR entries. */
  readonly insecureRegistries?: readonly string[];
  /** Resolves a host name to its addresses, for CIDR entries (default: the system resolver). */
  readonly lookup?: (host: string) => Promise<readonly string[]>;
}

export type Purpose = "pull" | "push";

/** dockerd's registry service configuration, validated as dockerd validates it at start. */
export class RegistryHosts {
  readonly mirrors: readonly string[];
  private readonly insecureNames = new Set<string>();
  private readonly insecureRanges = new BlockList();
  private readonly lookup: (host: string) => Promise<readonly string[]>;

  constructor(options: RegistryHostsOptions = {}) {
    this.mirrors = [...new Set((options.mirrors ?? []).map(validateMirror))];
    for (const entry of [...(options.insecureRegistries ?? []), LOOPBACK_CIDR]) this.addInsecure(entry);
    this.lookup = options.lookup ?? defaultLookup;
  }

  /** The endpoints to try for a registry domain ("docker.io", "localhost:5000"), best first. Pushes skip mirrors. */
  async endpoints(domain: string, purpose: Purpose): Promise<Endpoint[]> {
    if (domain === DOCKER_HUB_DOMAIN || domain === DOCKER_HUB_INDEX) {
      const mirrors = purpose === "pull" ? await Promise.all(this.mirrors.map((mirror) => this.mirrorEndpoint(mirror))) : [];
      return [...mirrors, { url: DOCKER_HUB_API, mirror: false, tlsVerify: true }];
    }
    if (await this.isSecure(domain)) return [{ url: `https://${domain}`, mirror: false, tlsVerify: true, certsHost: domain }];
    return [
      { url: `https://${domain}`, mirror: false, tlsVerify: false },
      { url: `http://${domain}`, mirror: false, tlsVerify: false },
    ];
  }

  /** False for an insecure registry (isSecureIndex): a listed name, or an address in a listed range. */
  async isSecure(host: string): Promise<boolean> {
    if (host === DOCKER_HUB_DOMAIN) return true;
    if (this.insecureNames.has(host)) return false;
    const name = hostOf(host);
    const addresses = isIP(name) !== 0 ? [name] : await this.lookup(name).catch(() => [] as string[]);
    return !addresses.some((address) => this.insecureRanges.check(address, isIP(address) === 6 ? "ipv6" : "ipv4"));
  }

  private async mirrorEndpoint(mirror: string): Promise<Endpoint> {
    const url = new URL(mirror);
    const secure = await this.isSecure(url.host);
    return { url: url.origin, mirror: true, tlsVerify: secure, ...(secure ? { certsHost: url.host } : {}) };
  }

  private addInsecure(entry: string): void {
    if (entry.startsWith("-") || entry.endsWith("-"))
      throw new RegistryError(`invalid index name (${entry}). Cannot begin or end with a hyphen`, { category: "invalid-parameter" });
    const bare = entry.replace(/^https?:\/\//i, "");
    if (bare.includes("://")) throw new RegistryError(`insecure registry ${bare} should not contain '://'`, { category: "invalid-parameter" });
    const cidr = /^(.+)\/(\d{1,3})$/.exec(bare);
    if (cidr && isIP(cidr[1]!) !== 0) {
      this.insecureRanges.addSubnet(cidr[1]!, Number(cidr[2]), isIP(cidr[1]!) === 6 ? "ipv6" : "ipv4");
      return;
    }
    if (!HOST_PORT.test(bare) && isIP(hostOf(bare)) === 0)
      throw new RegistryError(`insecure registry ${bare} is not valid: invalid host ${JSON.stringify(hostOf(bare))}`, {
        category: "invalid-parameter",
      });
    this.insecureNames.add(bare);
  }
}

// distribution/reference's domain grammar (a name or bracketed IPv6, with an optional port).
const HOST_PORT =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

/** dockerd's ValidateMirror: an http or https URI without path, query, fragment or credentials. */
function validateMirror(value: string): string {
  const invalid = (text: string) => new RegistryError(`invalid mirror: ${text}`, { category: "invalid-parameter" });
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(
      /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? `${JSON.stringify(value)} is not a valid URI` : `unsupported scheme "" in ${JSON.stringify(value)}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalid(`unsupported scheme ${JSON.stringify(url.protocol.slice(0, -1))} in ${JSON.stringify(value)}`);
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "")
    throw invalid(`path, query, or fragment at end of the URI ${JSON.stringify(value)}`);
  if (url.username !== "" || url.password !== "")
    throw invalid(`username/password not allowed in URI ${JSON.stringify(value.replace(/:[^:@/]*@/, ":xxxxx@"))}`);
  return url.origin;
}

async function defaultLookup(host: string): Promise<readonly string[]> {
  return (await dnsLookup(host, { all: true })).map((entry) => entry.address);
}
