import type { App, Logger, ServiceConfig } from "@slipway/grpc-kit";
import { loadReconcilerConfig } from "./config.js";
import { ContainerCreator } from "./create.js";
import { InFlightCreates } from "./in-flight.js";
import { Reconciler } from "./reconciler.js";
import { orchestratorService } from "./server.js";
import { connectStores } from "./stores.js";

/**
 * Wires config → store clients → domain → handlers. Recovery is the first reconciler pass (a store that is
 * down makes it record the error, not block startup); later passes run every interval.
 */
export function createApp(config: Pick<ServiceConfig, "endpoints">, logger: Logger, env = process.env): App {
  const reconcilerConfig = loadReconcilerConfig(env);
  const stores = connectStores(config.endpoints);
  const inFlight = new InFlightCreates();
  const creator = new ContainerCreator(stores, inFlight, logger);
  const reconciler = new Reconciler(stores, inFlight, logger, { graceMs: reconcilerConfig.graceMs });
  let timer: NodeJS.Timeout | undefined;
  return {
    services: [orchestratorService({ stores, creator, reconciler, logger })],
    recover: async () => {
      await reconciler.run();
      if (reconcilerConfig.intervalMs > 0) {
        timer = setInterval(() => void reconciler.run(), reconcilerConfig.intervalMs).unref();
      }
    },
    close: async () => {
      clearInterval(timer);
      stores.close();
    },
  };
}
