import { SlipwayError, type ErrorKind } from "@slipway/grpc-kit";

/** The HTTP status of each error kind, as dockerd's errdefs map them (DESIGN.md: 400/404/409/409/503/500/501). */
const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 409,
  unavailable: 503,
  internal: 500,
  unimplemented: 501,
};

/** Status and message of anything a route threw; errors that are not SlipwayErrors are 500s. */
export function httpErrorOf(err: unknown): { status: number; message: string } {
  if (err instanceof SlipwayError) return { status: STATUS_OF_KIND[err.kind], message: err.message };
  return { status: 500, message: err instanceof Error ? err.message : String(err) };
}
