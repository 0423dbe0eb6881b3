import { randomBytes } from "node:crypto";
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

/** The label docker-compose (v1 and v2) puts on every container, network and volume of a project. */
const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";
/** The test process is part of the project's name, since compose cannot add our labels from outside the file. */
const TEST_PROJECT = /^slipway-e2e-(\d+)-[0-9a-f]+$/;

/** A docker-compose project name for a test run: slipway-e2e-<pid>-<random>, so a reaper knows whose it is. */
export function testComposeProject(): string {
  return `slipway-e2e-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/**
 * reapLeftoverStacks for docker-compose: removes the containers, networks and volumes of every
 * testComposeProject() project whose process has exited or is one of `endingPids`.
 */
export async function reapLeftoverComposeProjects(endingPids: readonly number[] = []): Promise<Removed & { volumes: number }> {
  const leftover: Selects = (labels) => {
    const pid = Number(TEST_PROJECT.exec(labels?.[COMPOSE_PROJECT_LABEL] ?? "")?.[1] ?? NaN);
    return Number.isInteger(pid) && (endingPids.includes(pid) || !processAlive(pid));
  };
  const removed = await removeLabelled(COMPOSE_PROJECT_LABEL, leftover);
  const docker: Dockerode = (await getContainerRuntimeClient()).container.dockerode;
  const { Volumes = [] } = await docker.listVolumes({ filters: JSON.stringify({ label: [COMPOSE_PROJECT_LABEL] }) });
  const volumes = Volumes.filter((v) => leftover(v.Labels ?? undefined));
  await Promise.all(volumes.map((v) => docker.getVolume(v.Name).remove().catch(unless(404, 409))));
  return { ...removed, volumes: volumes.length };
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
