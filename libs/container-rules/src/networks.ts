import { isIP } from "node:net";
import { SlipwayError } from "@slipway/grpc-kit";
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
  const stored = (endpoint: EndpointSettings | null): GoStruct => ({ ...(zeroValue(storedEndpointType) as GoStruct), ...endpoint, IPAMOperational: false });
  const requested = Object.entries(networking?.EndpointsConfig ?? {});
  const networks: Record<string, GoStruct> = requested.length > 0
    ? Object.fromEntries(requested.map(([name, endpoint]) => [name, stored(endpoint)]))
    : { [network]: stored(null) };
  if (mode === "default" && networks["default"]) {
    networks[DEFAULT_NETWORK] = networks["default"];
    delete networks["default"];
  }
  return networks;
}

const BUILT_IN_MODES = new Set(["", "default", "bridge", "host", "none"]);

/** registerLinks (default networks only): each linked container must exist. Links themselves are not supported yet. */
export function verifyLinks(host: HostConfig, resolve: ContainerResolver): void {
  if (!BUILT_IN_MODES.has(host.NetworkMode) && !host.NetworkMode.startsWith("container:")) return;
  for (const link of host.Links ?? []) {
    const name = link.split(":", 1)[0]!.replace(/^\//, "");
    if (resolve(name) === undefined) throw badRequest(`could not get container for ${name}: No such container: ${name}`);
    throw new SlipwayError("unimplemented", `links are not supported yet (${link}); use a user-defined network`);
  }
}
