import { SlipwayError } from "@slipway/errors";

/** NOT_FOUND from a store: for undo and cleanup steps, "already gone". */
export function isNotFound(err: unknown): boolean {
  return err instanceof SlipwayError && err.kind === "not_found";
}

/** For `.catch` on undo and cleanup calls: NOT_FOUND means already gone; any other failure still fails. */
export function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
