import type Dockerode from "dockerode";
import { getContainerRuntimeClient } from "testcontainers";

/** Every container and network of a SlipwayStack carries these labels. */
export const STACK_LABEL = "org.slipway.testing.stack";
/** The process that started the stack: a stack whose process is gone is a leftover. */
export const OWNER_PID_LABEL = "org.slipway.testing.pid";

export interface Removed {
  readonly containers: number;
  readonly networks: number;
}

/** Force-removes the containers (with their anonymous volumes) and the network of one stack. */
export async function removeStack(stackId: string): Promise<Removed> {
  return removeLabelled(`${STACK_LABEL}=${stackId}`, () => true);
}

/**
 * Removes the leftovers of runs that crashed or were interrupted (Ryuk is off, so nothing else
 * does): every stack whose starting process has exited, or is one of `endingPids` (a test run's own
 * processes at its teardown). Stacks of other live runs on the same machine are left alone.
 */
export async function reapLeftoverStacks(endingPids: readonly number[] = []): Promise<Removed> {
  return removeLabelled(STACK_LABEL, (labels) => {
    const pid = Number(labels?.[OWNER_PID_LABEL]);
    return endingPids.includes(pid) || !processAlive(pid);
  });
}

type Selects = (labels: Record<string, string> | undefined) => boolean;

async function removeLabelled(label: string, selects: Selects): Promise<Removed> {
  const docker: Dockerode = (await getContainerRuntimeClient()).container.dockerode;
  const filters = JSON.stringify({ label: [label] });
  const containers = (await docker.listContainers({ all: true, filters })).filter((c) => selects(c.Labels));
  // 409: a removal is already in progress (a parallel reaper, or the stack's own stop).
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(unless(404, 409))));
  const networks = (await docker.listNetworks({ filters })).filter((n) => selects(n.Labels));
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(unless(404))));
  return { containers: containers.length, networks: networks.length };
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function unless(...gone: number[]) {
  return (err: { statusCode?: number }) => {
    if (!gone.includes(err.statusCode ?? 0)) throw err;
  };
}
