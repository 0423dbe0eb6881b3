import { badRequest } from "./model.js";
import { ADJECTIVES, SURNAMES } from "./words.js";

const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** How many generated names dockerd tries before it falls back to the short ID. */
export const NAME_ATTEMPTS = 6;

/** Validates a requested name and returns its stored form with the leading "/" (dockerd's 400 otherwise). */
export function canonicalName(requested: string): string {
  if (!VALID_NAME.test(requested)) {
    throw badRequest(`Invalid container name (${requested}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return requested.startsWith("/") ? requested : `/${requested}`;
}

/** The stored form of a name used for lookups ("demo" and "/demo" are one name). */
export function lookupName(name: string): string {
  return name.startsWith("/") ? name : `/${name}`;
}

/** A random index below `bound`; injectable so tests can be deterministic. */
export type RandomIndex = (bound: number) => number;

/**
 * The name for the attempt-th try (0-based) of generateAndReserveName: `adjective_surname`, with one
 * random digit appended from the second try on.
 */
export function generatedName(attempt: number, random: RandomIndex): string {
  const name = `${ADJECTIVES[random(ADJECTIVES.length)]}_${SURNAMES[random(SURNAMES.length)]}`;
  return `/${attempt > 0 ? `${name}${random(10)}` : name}`;
}

/** The conflict text dockerd returns (409), with both values Go-quoted. */
export function nameConflictMessage(name: string, holder: string): string {
  return `Conflict. The container name ${JSON.stringify(name)} is already in use by container ${JSON.stringify(holder)}. You have to remove (or rename) that container to be able to reuse that name.`;
}
