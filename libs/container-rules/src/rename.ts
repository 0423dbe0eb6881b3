import { goJson } from "@slipway/docker-spec";
import { CONSTRUCTOR_OF_KIND, SlipwayError } from "@slipway/errors";
import { badRequest } from "./model.js";
import { canonicalName, lookupName } from "./names.js";

/** dockerd's first check of a rename, before it looks the container up. */
export function requireRenameNames(idOrName: string, newName: string): void {
  if (idOrName === "" || newName === "") throw badRequest("Neither old nor new names may be empty");
}

/**
 * The stored form of a rename's new name, checked as dockerd's ContainerRename checks it once it has found
 * the container (`currentName`): not its current name, then a valid one (the message shows the "/").
 */
export function renameTarget(currentName: string, requested: string): string {
  const name = lookupName(requested);
  if (name === currentName) throw badRequest("Renaming a container with the same name as its current name");
  try {
    return canonicalName(name);
  } catch (err) {
    throw allocationError(err);
  }
}

/** A failure to reserve the new name, as dockerd wraps it ("Error when allocating new name: …"), of the same kind. */
export function allocationError(err: unknown): unknown {
  if (!(err instanceof SlipwayError)) return err;
  return CONSTRUCTOR_OF_KIND[err.kind](`Error when allocating new name: ${err.message}`, err);
}

/**
 * config.v2.json after a rename, as dockerd writes it: the top-level Name replaced, and the endpoint no
 * longer anonymous (NetworkSettings.IsAnonymousEndpoint false); every other byte as it was.
 */
export function renamedConfigV2(configV2: string, name: string): string {
  const at = topLevelValueOf(configV2, "Name");
  const renamed = `${configV2.slice(0, at.start)}${goJson(name)}${configV2.slice(at.end)}`;
  // A key followed by an unescaped quote and a colon cannot occur inside a JSON string, and only NetworkSettings has this one.
  return renamed.replace('"IsAnonymousEndpoint":true', '"IsAnonymousEndpoint":false');
}

/** Where the string value of a top-level key starts and ends in a compact JSON object. */
function topLevelValueOf(json: string, key: string): { start: number; end: number } {
  const wanted = `${goJson(key)}:`;
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      const end = stringEnd(json, i);
      if (depth === 1 && json.startsWith(wanted, i) && json[end] === ":") return { start: end + 1, end: stringEnd(json, end + 1) };
      i = end - 1;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  throw new Error(`config.v2.json has no ${key}`);
}

/** The index just after the JSON string that starts at `start`. */
function stringEnd(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    if (json[i] === "\\") i++;
    else if (json[i] === '"') return i + 1;
  }
  throw new Error("config.v2.json ends inside a string");
}
