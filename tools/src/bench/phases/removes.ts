import type { Engine } from "../engines.js";
import { log } from "../log.js";
import type { BenchOptions } from "../options.js";
import type { RunRecord } from "../record.js";
import { benchContainerIds, removeBenchContainers, removeMeasured } from "../scenarios.js";

/** Removal rate and CPU over a sample: Slipway's data root is deleted afterwards, dockerd is cleaned up in full by cleanUp. */
export async function removeRates(engines: readonly Engine[], o: BenchOptions, record: RunRecord): Promise<void> {
  for (const engine of engines) {
    const ids = await benchContainerIds(engine);
    const sample = Math.min(ids.length, o.removeSample);
    log(`${engine.label}: removing ${sample} of ${ids.length} bench containers, measured`);
    const { result, cpuMsEach } = await record.charged(engine, "removes", sample, () => removeMeasured(engine, ids, sample, o.clients));
    record.add(engine.key, { "removes/s": result.perSecond, "remove p50": result.p50, "remove CPU ms/remove": cpuMsEach });
  }
}

/** Leaves a Docker engine as the run found it: every bench-* container removed, whatever failed before. */
export async function cleanUp(dockerd: Engine, clients: number): Promise<void> {
  try {
    log(`dockerd: removed the remaining ${await removeBenchContainers(dockerd, clients)} bench containers`);
  } catch (err) {
    log(
      `dockerd: could not remove every bench container (${(err as Error).message}); remove them with: docker ps -aq --filter name=^/bench- | xargs -r docker rm -v -f`,
    );
  }
}
