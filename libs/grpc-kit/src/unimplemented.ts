import { unimplemented } from "@slipway/errors";
import type { ServiceDefinition } from "./definitions.js";
import type { ServiceHandlers } from "./server-handlers.js";

/** Handlers that answer UNIMPLEMENTED, naming the service and method: the only placeholder allowed. */
export function unimplementedHandlers<S extends ServiceDefinition>(definition: S, app: string): ServiceHandlers<S> {
  const handlers: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const error = () => unimplemented(`${method.path.slice(1)} is not implemented yet by ${app}`);
    handlers[name] = method.responseStream
      ? () => failedStream(error())
      : async () => {
          throw error();
        };
  }
  return handlers as ServiceHandlers<S>;
}

/** A response stream that fails before its first message. */
function failedStream(err: Error): AsyncIterable<never> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
}
