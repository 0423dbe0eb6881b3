import { badRequest, type PortBinding } from "./model.js";

/** nat.SplitProtoPort: "80/udp" → ["udp","80"], "80" → ["tcp","80"]. */
export function splitProtoPort(raw: string): [proto: string, port: string] {
  const parts = raw.split("/");
  if (raw === "" || parts[0] === "") return ["", ""];
  if (parts.length === 1) return ["tcp", raw];
  if (parts[1] === "") return ["tcp", parts[0]!];
  return [parts[1]!, parts[0]!];
}

const isUint16 = (text: string) => /^\d+$/.test(text) && Number(text) <= 65535;

/** strconv.ParseUint(text, 10, 16)'s error, or undefined. */
function uint16Problem(text: string): string | undefined {
  if (!/^\d+$/.test(text)) return `strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`;
  return Number(text) > 65535 ? `strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range` : undefined;
}

/** nat.ParsePortRange's error for "80" or "80-90", or undefined when the range parses. */
export function portRangeProblem(ports: string): string | undefined {
  if (ports === "") return "Empty string specified for ports.";
  if (!ports.includes("-")) return uint16Problem(ports);
  const [start = "", end = ""] = ports.split("-");
  const problem = uint16Problem(start) ?? uint16Problem(end);
  if (problem) return problem;
  return Number(end) < Number(start) ? `Invalid range specified for the Port: ${ports}` : undefined;
}

function isPortRange(text: string): boolean {
  if (text === "") return true;
  if (!text.includes("-")) return isUint16(text);
  const [start = "", end = ""] = text.split("-");
  return isUint16(start) && isUint16(end) && Number(end) >= Number(start);
}

/** validatePortBindings: each container port and each host port must parse (port 0 is accepted by 20.10). */
export function validatePortBindings(bindings: Record<string, PortBinding[] | null> | null): void {
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const port = splitProtoPort(key)[1];
    if (port !== "" && !isUint16(port)) throw badRequest(`invalid port specification: ${JSON.stringify(port)}`);
    for (const binding of list ?? []) {
      if (!isPortRange(splitProtoPort(binding.HostPort)[1])) {
        throw badRequest(`invalid port specification: ${JSON.stringify(binding.HostPort)}`);
      }
    }
  }
}
