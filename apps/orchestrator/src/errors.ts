import { isNotFound } from "@slipway/errors";

/** For `.catch` on undo and cleanup calls: NOT_FOUND means already gone; any other failure still fails. */
export function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
