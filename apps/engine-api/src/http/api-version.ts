/** The Engine API version Slipway speaks (Debian's dockerd 20.10) and the oldest it accepts. */
export const API_VERSION = "1.41";
export const MIN_API_VERSION = "1.12";
/** The version /version and /info report for the engine. */
export const SLIPWAY_VERSION = "0.1.0";

/** Splits "/v1.41/containers/json" into the version and the unversioned path. */
export function splitVersion(path: string): { version: string | undefined; path: string } {
  const match = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
  return match ? { version: match[1], path: match[2]! } : { version: undefined, path };
}

/** dockerd's check of a /vX.Y/ prefix; returns the message of the 400 or undefined when acceptable. */
export function versionError(version: string | undefined): string | undefined {
  if (version === undefined) return undefined;
  if (compareVersions(version, API_VERSION) > 0) {
    return `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`;
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    return `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`;
  }
  return undefined;
}

export function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split(".").map(Number);
  const [b1 = 0, b2 = 0] = b.split(".").map(Number);
  return a1 - b1 || a2 - b2;
}
