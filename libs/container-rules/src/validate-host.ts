import { isIP } from "node:net";
import { validateCapabilities } from "./capabilities.js";
import { ENGINE } from "./engine-target.js";
import { badRequest, type HostConfig } from "./model.js";
import { validateMountConfig, type PathProbe } from "./mounts.js";
import { validatePortBindings } from "./ports.js";

/** validateHostConfig: auto-remove, mounts, extra hosts, ports, restart policy, capabilities. */
export function validateHostConfig(host: HostConfig, probe: PathProbe): void {
  if (host.AutoRemove && !["", "no"].includes(host.RestartPolicy.Name)) {
    throw badRequest("can't create 'AutoRemove' container with restart policy");
  }
  for (const mount of host.Mounts ?? []) validateMountConfig(mount, probe, true);
  for (const entry of host.ExtraHosts ?? []) validateExtraHost(entry);
  validatePortBindings(host.PortBindings);
  validateRestartPolicy(host.RestartPolicy);
  validateCapabilities("CapAdd", host.CapAdd);
  validateCapabilities("CapDrop", host.CapDrop);
}

function validateExtraHost(entry: string): void {
  const colon = entry.indexOf(":");
  if (colon <= 0) throw badRequest(`bad format for add-host: ${JSON.stringify(entry)}`);
  const ip = entry.slice(colon + 1);
  if (ip !== "host-gateway" && isIP(ip.trim()) === 0) throw badRequest(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
}

function validateRestartPolicy({ Name: name, MaximumRetryCount: count }: HostConfig["RestartPolicy"]): void {
  const messages = ENGINE.restartPolicyMessages;
  switch (name) {
    case "always":
    case "unless-stopped":
    case "no":
      if (count !== 0) throw badRequest(messages.retryCountWithoutOnFailure(name));
      return;
    case "on-failure":
      if (count < 0) throw badRequest(messages.negativeRetryCount);
      return;
    case "":
      return;
    default:
      throw badRequest(messages.unknown(name));
  }
}
