/** "host[:port]" helpers shared by the endpoint rules and the transport. */
import { isIP } from "node:net";

/** The host of "host:port", "[v6]:port", "host" or "v6". */
export function hostOf(hostPort: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hostPort);
  if (bracketed) return bracketed[1]!;
  const colon = hostPort.lastIndexOf(":");
  return colon > 0 && hostPort.indexOf(":") === colon ? hostPort.slice(0, colon) : hostPort;
}

/** True for "localhost" and loopback addresses, which Go never sends through a proxy. */
export function isLoopback(host: string): boolean {
  const name = hostOf(host);
  if (name === "localhost") return true;
  if (isIP(name) === 4) return name.startsWith("127.");
  return name === "::1";
}
