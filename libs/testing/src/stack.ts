import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getContainerRuntimeClient, RandomPortGenerator, type StartedTestContainer } from "testcontainers";
import { closeClients, connectClients, type SlipwayClients } from "./clients.js";
import {
  addressEnv,
  DATA_ROOT_IN_CONTAINER,
  DEPLOYMENT,
  RUN_ROOT_IN_CONTAINER,
  SLIPWAY_APPS,
  type GrpcApp,
  type SlipwayApp,
} from "./deployment.js";
import { AppHealthWait } from "./health-wait.js";
import { buildSlipwayImage } from "./image.js";
import { LoopbackContainer } from "./loopback-container.js";
import { OWNER_PID_LABEL, removeStack, STACK_LABEL } from "./reap.js";

export interface SlipwayStackOptions {
  /** Image to run; default $SLIPWAY_IMAGE, else built once per process by buildSlipwayImage(). */
  readonly image?: string;
  /** Host directory for the shared data root; default a fresh temp dir, which stop() removes. */
  readonly dataRoot?: string;
  /** SLIPWAY_LOG_LEVEL of every app (default info). */
  readonly logLevel?: string;
  /** How long each app may take to become healthy (default 60 s). */
  readonly startupTimeoutMs?: number;
  /** Extra env per app, e.g. { orchestrator: { SLIPWAY_RECONCILE_GRACE_SECONDS: "0" } }. */
  readonly env?: Partial<Record<SlipwayApp, Readonly<Record<string, string>>>>;
}

/** How the host reaches engine-api: give either URL to the docker CLI as DOCKER_HOST. */
export interface EngineApiEndpoint {
  /** Its TCP listener, published on 127.0.0.1. */
  readonly port: number;
  /** "tcp://127.0.0.1:<port>" */
  readonly tcpUrl: string;
  /** The socket, in the bind-mounted run dir on the host. */
  readonly socketPath: string;
  /** "unix://<socketPath>" */
  readonly socketUrl: string;
}

export interface RestartOptions {
  /** SIGTERM and let it drain (up to 10 s); default false: killed at once, like a crash. */
  readonly graceful?: boolean;
}

let defaultImage: Promise<string> | undefined;

/**
 * The five Slipway apps, each in its own container from one image, on a private Docker network where
 * they find each other by container name, sharing a data root that is a host directory the test can
 * read. Ports are published on 127.0.0.1 only. start() returns once every app is healthy.
 */
export class SlipwayStack {
  /** Connected gRPC clients; they survive restart(). */
  readonly clients: SlipwayClients;
  readonly engineApi: EngineApiEndpoint;

  /** Labels every container and the network (org.slipway.testing.stack). */
  readonly id: string;
  /** The shared data root on the host. */
  readonly dataRoot: string;
  /** engine-api's run dir on the host (holds docker.sock). */
  readonly runRoot: string;
  /** Holds the run dir, and the data root unless the caller gave one. */
  private readonly tempDir: string;

  private constructor(
    id: string,
    dirs: StackDirs,
    private readonly hostPorts: Readonly<Record<SlipwayApp, number>>,
    private readonly containers: ReadonlyMap<SlipwayApp, StartedTestContainer>,
  ) {
    this.id = id;
    this.dataRoot = dirs.dataRoot;
    this.runRoot = dirs.runRoot;
    this.tempDir = dirs.tempDir;
    this.clients = connectClients((app) => this.grpcAddress(app));
    const socketPath = join(this.runRoot, "docker.sock");
    const port = hostPorts["engine-api"];
    this.engineApi = { port, tcpUrl: `tcp://127.0.0.1:${port}`, socketPath, socketUrl: `unix://${socketPath}` };
  }

  static async start(options: SlipwayStackOptions = {}): Promise<SlipwayStack> {
    const image = options.image ?? process.env.SLIPWAY_IMAGE ?? (await (defaultImage ??= buildSlipwayImage()));
    const id = randomBytes(4).toString("hex");
    const dirs = makeDirs(id, options.dataRoot);
    const hostPorts = await allocatePorts();
    const containers = new Map<SlipwayApp, StartedTestContainer>();
    try {
      await createNetwork(id);
      const logLevel = options.logLevel ?? "info";
      const timeoutMs = options.startupTimeoutMs ?? 60_000;
      await startInDependencyOrder({ id, image, ...dirs, hostPorts, env: options.env ?? {}, logLevel, timeoutMs }, containers);
    } catch (err) {
      await removeStack(id);
      rmSync(dirs.tempDir, { recursive: true, force: true });
      throw err;
    }
    return new SlipwayStack(id, dirs, hostPorts, containers);
  }

  /** "127.0.0.1:<port>" of a gRPC app. */
  grpcAddress(app: GrpcApp): string {
    return `127.0.0.1:${this.hostPorts[app]}`;
  }

  /** The running container of an app (exec, logs, inspect). */
  container(app: SlipwayApp): StartedTestContainer {
    return this.containers.get(app)!;
  }

  /** Restarts one app's container and returns once it is healthy again; clients reconnect by themselves. */
  async restart(app: SlipwayApp, options: RestartOptions = {}): Promise<void> {
    await this.container(app).restart({ timeout: options.graceful ? 10 : 0 });
  }

  /** Stops every app (SIGTERM, drain), removes the containers, the network and the temp dirs (not a given data root). */
  async stop(): Promise<void> {
    closeClients(this.clients);
    for (const app of [...SLIPWAY_APPS].reverse()) {
      await this.containers.get(app)?.stop({ timeout: 10, remove: true });
    }
    await removeStack(this.id);
    rmSync(this.tempDir, { recursive: true, force: true });
  }
}

interface StackDirs {
  readonly tempDir: string;
  readonly dataRoot: string;
  readonly runRoot: string;
}

/** A temp dir with the run dir and, unless the caller gave one, the data root (0710, like /var/lib/docker). */
function makeDirs(id: string, givenDataRoot: string | undefined): StackDirs {
  const tempDir = mkdtempSync(join(tmpdir(), `slipway-stack-${id}-`));
  const dataRoot = givenDataRoot ?? join(tempDir, "data");
  const runRoot = join(tempDir, "run");
  if (givenDataRoot) mkdirSync(dataRoot, { recursive: true });
  else makeDir(dataRoot, 0o710);
  makeDir(runRoot, 0o755);
  return { tempDir, dataRoot, runRoot };
}

interface Plan extends StackDirs {
  readonly id: string;
  readonly image: string;
  readonly hostPorts: Readonly<Record<SlipwayApp, number>>;
  readonly env: NonNullable<SlipwayStackOptions["env"]>;
  readonly logLevel: string;
  readonly timeoutMs: number;
}

/** Starts each app as soon as the apps it depends on are healthy (the stores start together). */
async function startInDependencyOrder(plan: Plan, started: Map<SlipwayApp, StartedTestContainer>): Promise<void> {
  const starting = new Map<SlipwayApp, Promise<void>>();
  for (const app of SLIPWAY_APPS) {
    const deps = DEPLOYMENT[app].dependsOn.map((dep) => starting.get(dep)!);
    starting.set(app, Promise.all(deps).then(async () => void started.set(app, await appContainer(plan, app).start())));
  }
  const results = await Promise.allSettled(starting.values());
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
}

function appContainer(plan: Plan, app: SlipwayApp): LoopbackContainer {
  const deployment = DEPLOYMENT[app];
  const binds = [
    ...(deployment.dataRoot ? [{ source: plan.dataRoot, target: DATA_ROOT_IN_CONTAINER }] : []),
    ...(deployment.runRoot ? [{ source: plan.runRoot, target: RUN_ROOT_IN_CONTAINER }] : []),
  ];
  return new LoopbackContainer(plan.image)
    .withName(containerName(plan.id, app))
    .withNetworkMode(networkName(plan.id))
    .withLabels({ [STACK_LABEL]: plan.id, [OWNER_PID_LABEL]: String(process.pid), "org.slipway.testing.app": app })
    .withCommand([app])
    .withUser(deployment.user)
    .withDroppedCapabilities(...deployment.capDrop)
    .withAddedCapabilities(...deployment.capAdd)
    .withEnvironment({
      ...addressEnv((peer) => containerName(plan.id, peer)),
      ...deployment.env,
      // The host path: a stock dockerd adopting the data root finds named volumes there.
      ...(deployment.dataRoot ? { SLIPWAY_DOCKERD_DATA_ROOT: plan.dataRoot } : {}),
      SLIPWAY_LOG_LEVEL: plan.logLevel,
      ...plan.env[app],
    })
    .withBindMounts(binds)
    .withLoopbackPort(deployment.port, plan.hostPorts[app])
    .withWaitStrategy(new AppHealthWait(app))
    .withStartupTimeout(plan.timeoutMs);
}

/** Peers resolve each other by container name through Docker's DNS (no network aliases: they need docker0). */
function containerName(id: string, app: SlipwayApp): string {
  return `slipway-${id}-${app}`;
}

function networkName(id: string): string {
  return `slipway-${id}`;
}

async function createNetwork(id: string): Promise<void> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  await docker.createNetwork({
    Name: networkName(id),
    Driver: "bridge",
    CheckDuplicate: true,
    Labels: { [STACK_LABEL]: id, [OWNER_PID_LABEL]: String(process.pid) },
  });
}

async function allocatePorts(): Promise<Record<SlipwayApp, number>> {
  const generator = new RandomPortGenerator();
  const ports = await Promise.all(SLIPWAY_APPS.map(() => generator.generatePort()));
  return Object.fromEntries(SLIPWAY_APPS.map((app, i) => [app, ports[i]])) as Record<SlipwayApp, number>;
}

function makeDir(path: string, mode: number): void {
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode);
}
