import { SlipwayError } from "./errors.js";
import type { ServiceDefinition } from "./definitions.js";
import type { ServiceHandlers } from "./server-handlers.js";

/** Handlers that answer UNIMPLEMENTED, naming the service and method: the only placeholder allowed. */
export function unimplementedHandlers<S extends ServiceDefinition>(definition: S, app: string): ServiceHandlers<S> {
  const handlers: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const error = () => new SlipwayError("unimplemented", `${method.path.slice(1)} is not implemented yet by ${app}`);
    handlers[name] = method.responseStream
      ? async function* () {
          throw error();
        }
      : async () => {
          throw error();
        };
  }
  return handlers as ServiceHandlers<S>;
}
