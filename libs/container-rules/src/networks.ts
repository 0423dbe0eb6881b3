import { isIP } from "node:net";
import { notFound } from "@slipway/errors";
import type { ContainerResolver } from "./defaults.js";
import { ENGINE } from "./engine-target.js";
import { zeroValue, type GoStruct } from "./go-types.js";
import { badRequest, serverError, type Config, type EndpointSettings, type HostConfig, type NetworkingConfig } from "./model.js";
import { storedEndpointType } from "./schemas.js";

const DEFAULT_NETWORK = "bridge";

/** verifyNetworkingConfig: one endpoint at most (API 1.41), not nil, valid static addresses. */
export function verifyNetworkingConfig(networking: NetworkingConfig | null): void {
  const endpoints = Object.entries(networking?.EndpointsConfig ?? {});
  if (endpoints.length > 1) {
    throw serverError(`Container cannot be connected to network endpoints: ${endpoints.map(([name]) => name).join(", ")}`);
  }
  for (const [name, endpoint] of endpoints) {
    if (endpoint === null) throw badRequest(`no EndpointSettings for ${name}`);
    const ipam = endpoint.IPAMConfig;
    if (ipam?.IPv4Address && isIP(ipam.IPv4Address) !== 4) throw serverError(`invalid IPv4 address: ${ipam.IPv4Address}`);
    if (ipam?.IPv6Address && isIP(ipam.IPv6Address) !== 6) throw serverError(`invalid IPv6 address: ${ipam.IPv6Address}`);
  }
}

/**
 * updateContainerNetworkSettings: NetworkSettings.Networks as created. The requested endpoints keyed
 * by network (the "default" key re-keyed to the default bridge), or one empty endpoint on the mode's
 * network; nothing for disabled networking or `container:` modes.
 */
export function networksOf(config: Config, host: HostConfig, networking: NetworkingConfig | null): Record<string, GoStruct> | null {
  const mode = host.NetworkMode || ENGINE.blankNetworkMode;
  if (config.NetworkDisabled || mode.startsWith("container:")) return null;
  const network = mode === "default" ? DEFAULT_NETWORK : mode;
  const stored = (endpoint: EndpointSettings | null): GoStruct => ({
    ...(zeroValue(storedEndpointType) as GoStruct),
    ...endpoint,
    IPAMOperational: false,
  });
  const requested = Object.entries(networking?.EndpointsConfig ?? {});
  const networks: Record<string, GoStruct> =
    requested.length > 0 ? Object.fromEntries(requested.map(([name, endpoint]) => [name, stored(endpoint)])) : { [network]: stored(null) };
  if (mode === "default" && networks["default"]) {
    networks[DEFAULT_NETWORK] = networks["default"];
    delete networks["default"];
  }
  return networks;
}

const BUILT_IN_MODES = new Set(["", "default", "bridge", "host", "none"]);

/** A legacy link: the linked container and the alias it is known by in the linking one. */
export interface Link {
  childId: string;
  alias: string;
}

/** What registerLinks needs to know of the existing containers. */
export interface LinkTargets {
  resolveContainer: ContainerResolver;
  /** A container's HostConfig.NetworkMode ("container:<id>" as stored). */
  networkModeOf(id: string): string;
}

/** opts.ParseLink: "name:alias", "name" (its own alias), or the stored form "/name:/parent/alias". */
export function parseLink(value: string): { name: string; alias: string } {
  if (value === "") throw serverError("empty string specified for links");
  const parts = value.split(":");
  if (parts.length > 2) throw serverError(`bad format for links: ${value}`);
  const [name = "", alias = name] = parts;
  if (parts.length === 2 && name.startsWith("/")) return { name: name.slice(1), alias: alias.slice(alias.lastIndexOf("/") + 1) };
  return { name, alias };
}

/**
 * registerLinks, on the default networks only: each link's container (the one whose network it shares,
 * through `container:` modes), which must exist and not be on the host network, with its alias.
 */
export function linksOf(host: HostConfig, targets: LinkTargets): Link[] {
  if (!BUILT_IN_MODES.has(host.NetworkMode) && !host.NetworkMode.startsWith("container:")) return [];
  return (host.Links ?? []).map((link) => {
    const { name, alias } = parseLink(link);
    const linked = targets.resolveContainer(name);
    if (linked === undefined) throw badRequest(`could not get container for ${name}: No such container: ${name}`);
    const childId = networkProvider(linked, targets);
    if (targets.networkModeOf(childId) === "host") {
      throw badRequest("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
    }
    return { childId, alias };
  });
}

/** The container whose network namespace `id` uses: itself, or the end of its `container:` chain. */
function networkProvider(id: string, targets: LinkTargets, seen = new Set<string>()): string {
  const mode = targets.networkModeOf(id);
  if (!mode.startsWith("container:") || seen.has(id)) return id;
  const next = mode.slice("container:".length);
  const provider = targets.resolveContainer(next);
  if (provider === undefined) throw notFound(`Could not get container for ${next}: No such container: ${next}`);
  return networkProvider(provider, targets, seen.add(id));
}
