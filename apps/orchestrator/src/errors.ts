import { SlipwayError } from "@slipway/grpc-kit";

/** NOT_FOUND from a store: for undo and cleanup steps, "already gone". */
export function isNotFound(err: unknown): boolean {
  return err instanceof SlipwayError && err.kind === "not_found";
}
