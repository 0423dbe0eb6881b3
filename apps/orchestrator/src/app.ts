import { waitUntilServing, type App, type Logger, type ServiceConfig } from "@slipway/grpc-kit";
import type { AppMetrics } from "@slipway/metrics";
import { loadOrchestratorConfig } from "./config.js";
import { ContainerCreator } from "./create.js";
import { EventWatches } from "./events.js";
import { ImageResolutions } from "./image-resolutions.js";
import { InFlightCreates } from "./in-flight.js";
import { OrchestratorLease } from "./lease.js";
import { ListedImages } from "./listed-images.js";
import { Reconciler } from "./reconciler.js";
import { orchestratorService } from "./server.js";
import { connectStores } from "./stores.js";
import { VolumeKeeper } from "./volume-keeper.js";
import { VolumeService } from "./volumes.js";

/**
 * Wires config → store clients → domain → handlers. Recovery waits a while for the stores (started
 * together, they come up in any order), takes the orchestrator's lease, then runs the first reconciler pass
 * (a store that is still down makes it record the error, not block startup); later passes run every interval,
 * and one more as soon as layer-store can tell what dead creates left.
 */
export function createApp(
  config: Pick<ServiceConfig, "endpoints" | "certificates" | "inProcess" | "observeClientCalls">,
  logger: Logger,
  env = process.env,
  metrics?: AppMetrics,
): App {
  const orchestratorConfig = loadOrchestratorConfig(env);
  const stores = connectStores(config);
  const inFlight = new InFlightCreates();
  const images = new ImageResolutions(stores.images, logger);
  const keeper = new VolumeKeeper(stores.layers, logger);
  const lease = new OrchestratorLease(stores.layers, logger);
  const creator = new ContainerCreator(stores, images, keeper, inFlight, logger, lease.id);
  const reconciler = new Reconciler(stores, inFlight, logger, { graceMs: orchestratorConfig.graceMs, leaseId: lease.id });
  const volumes = new VolumeService(stores, inFlight);
  const events = new EventWatches(stores);
  const listedImages = new ListedImages(stores.containers, images, logger);
  const timers: NodeJS.Timeout[] = [];
  /** A pass, and another soon after it when layer-store could not yet judge some orphans (it just started). */
  const reconcile = async () => {
    const { recheckInMs } = await reconciler.run();
    if (recheckInMs > 0) timers.push(setTimeout(() => void reconcile(), recheckInMs + RECHECK_MARGIN_MS).unref());
  };
  return {
    services: [orchestratorService({ stores, creator, reconciler, volumes, events, listedImages, logger })],
    middleware: metrics ? [metrics.containerCreates()] : [],
    recover: async () => {
      await waitForStores(config, orchestratorConfig.storeWaitMs, logger);
      lease.start();
      images.start();
      await reconcile();
      if (orchestratorConfig.intervalMs > 0) timers.push(setInterval(() => void reconcile(), orchestratorConfig.intervalMs).unref());
    },
    stopping: () => events.stop(),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      lease.stop();
      await Promise.all([images.stop(), keeper.flush()]);
      stores.close();
    },
  };
}

/** How long after layer-store can judge leases the follow-up pass runs. */
const RECHECK_MARGIN_MS = 500;

const STORE_NAMES = ["layer-store", "image-store", "container-config"] as const;

async function waitForStores(
  { endpoints, certificates }: Pick<ServiceConfig, "endpoints" | "certificates">,
  waitMs: number,
  logger: Logger,
): Promise<void> {
  if (waitMs === 0) return;
  const serving = await Promise.all(STORE_NAMES.map((name) => waitUntilServing(endpoints[name], waitMs, undefined, { certificates, app: name })));
  const down = STORE_NAMES.filter((_, i) => !serving[i]);
  if (down.length > 0) {
    logger.warn({ down }, `starting without ${down.join(", ")} (not SERVING after ${waitMs / 1000} s); creates fail until they are up`);
  }
}
