/**
 * Registry failures as the domain reports them: registry-client's message unchanged (it already has
 * dockerd's words: errcode texts, Go's url.Error forms, never a Node code), its errdefs category as the
 * error kind. Pull and push both end with this.
 */
import { internal, invalidArgument, notFound, unauthenticated, type ErrorConstructor } from "@slipway/errors";
import { RegistryError, type ErrorCategory } from "@slipway/registry-client";

const KIND_OF_CATEGORY: Record<ErrorCategory, ErrorConstructor> = {
  "not-found": notFound,
  "invalid-parameter": invalidArgument,
  unauthorized: unauthenticated,
  // dockerd answers these with 500 (errdefs' unknown).
  unknown: internal,
};

/** A RegistryError as a SlipwayError of its category; anything else unchanged. */
export function fromRegistryError(err: unknown): unknown {
  return err instanceof RegistryError ? KIND_OF_CATEGORY[err.category](err.message, err) : err;
}
