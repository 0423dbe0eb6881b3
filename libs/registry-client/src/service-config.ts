/**
 * dockerd's registry service configuration as GET /info shows it (`RegistryConfig`, moby's
 * registry.ServiceConfig): the mirrors as given with one trailing "/", the insecure CIDRs (127.0.0.0/8
 * always, last unless listed), an index entry per insecure host name, and Docker Hub's own entry.
 */
import { isIP } from "node:net";
import { DOCKER_HUB_DOMAIN, type RegistryHostsOptions } from "./endpoints.js";

/** One registry's settings (moby's registry.IndexInfo). */
export interface IndexInfo {
  readonly Name: string;
  readonly Mirrors: readonly string[];
  readonly Secure: boolean;
  readonly Official: boolean;
}

/** GET /info's RegistryConfig, its fields in Go's order. */
export interface ServiceConfig {
  readonly AllowNondistributableArtifactsCIDRs: readonly string[];
  readonly AllowNondistributableArtifactsHostnames: readonly string[];
  readonly InsecureRegistryCIDRs: readonly string[];
  /** Keys sorted, as Go encodes a map. */
  readonly IndexConfigs: Readonly<Record<string, IndexInfo>>;
  readonly Mirrors: readonly string[];
}

const LOOPBACK_CIDR = "127.0.0.0/8";

/** GET /info's IndexServerAddress (moby's registry.IndexServer): Docker Hub, as `docker login` names it. */
export const INDEX_SERVER = "https://index.docker.io/v1/";

/** The configuration for already validated options (RegistryHosts refuses bad ones first). */
export function serviceConfig(options: Pick<RegistryHostsOptions, "mirrors" | "insecureRegistries">): ServiceConfig {
  const mirrors = [...new Set((options.mirrors ?? []).map((mirror) => `${mirror.replace(/\/$/, "")}/`))];
  const cidrs: string[] = [];
  const indexes = new Map<string, IndexInfo>();
  for (const entry of [...(options.insecureRegistries ?? []), LOOPBACK_CIDR]) {
    const bare = entry.replace(/^https?:\/\//i, "");
    const cidr = networkOf(bare);
    if (cidr === undefined) indexes.set(bare, { Name: bare, Mirrors: [], Secure: false, Official: false });
    else if (!cidrs.includes(cidr)) cidrs.push(cidr);
  }
  indexes.set(DOCKER_HUB_DOMAIN, { Name: DOCKER_HUB_DOMAIN, Mirrors: mirrors, Secure: true, Official: true });
  return {
    AllowNondistributableArtifactsCIDRs: [],
    AllowNondistributableArtifactsHostnames: [],
    InsecureRegistryCIDRs: cidrs,
    IndexConfigs: Object.fromEntries([...indexes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    Mirrors: mirrors,
  };
}

/** Go's net.ParseCIDR then IPNet.String(): the network address and the prefix length; undefined if no CIDR. */
export function networkOf(text: string): string | undefined {
  const match = /^(.+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const [, address = "", bitsText = ""] = match;
  const version = isIP(address);
  const bits = Number(bitsText);
  if (version === 0 || bits > (version === 4 ? 32 : 128)) return undefined;
  const width = version === 4 ? 32 : 128;
  const value = version === 4 ? ipv4Value(address) : ipv6Value(address);
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  const network = value & mask;
  return `${version === 4 ? ipv4Text(network) : ipv6Text(network)}/${bits}`;
}

function ipv4Value(address: string): bigint {
  return address.split(".").reduce((sum, octet) => (sum << 8n) | BigInt(Number(octet)), 0n);
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

function ipv6Value(address: string): bigint {
  const [head = "", tail] = address.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":").flatMap(expandIpv4Tail));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? front : [...front, ...Array<string>(8 - front.length - back.length).fill("0"), ...back];
  return all.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** "1.2.3.4" at the end of an IPv6 address is its last two groups. */
function expandIpv4Tail(group: string): string[] {
  if (!group.includes(".")) return [group];
  const value = ipv4Value(group);
  return [(value >> 16n).toString(16), (value & 0xffffn).toString(16)];
}

/** RFC 5952 text (as Go prints it): the first longest run of two or more zero groups becomes "::". */
function ipv6Text(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => (value >> shift) & 0xffffn);
  const url = new URL(`http://[${groups.map((group) => group.toString(16)).join(":")}]/`);
  return url.hostname.slice(1, -1);
}
