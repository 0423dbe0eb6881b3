import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CertificateFiles } from "@slipway/grpc-kit";
import { getContainerRuntimeClient, RandomPortGenerator, type StartedTestContainer } from "testcontainers";
import { closeClients, connectClients, DEFAULT_CALLERS, type SlipwayClients } from "./clients.js";
import {
  certificateFilesOf,
  DATA_ROOT_IN_CONTAINER,
  DEPLOYMENT,
  RUN_ROOT_IN_CONTAINER,
  sharedEnv,
  SLIPWAY_APPS,
  TLS_DIR_IN_CONTAINER,
  type GrpcApp,
  type SlipwayApp,
} from "./deployment.js";
import { runDocker, type DockerEnv } from "./docker-cli.js";
import { AppHealthWait } from "./health-wait.js";
import { buildSlipwayImage } from "./image.js";
import { LoopbackContainer } from "./loopback-container.js";
import { OWNER_PID_LABEL, removeStack, STACK_LABEL } from "./reap.js";
import { CertificateDir } from "./tls.js";

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

/**
 * How the host reaches engine-api: its socket (DOCKER_HOST=socketUrl), or its TCP listener, which speaks
 * only HTTPS with a client certificate signed by the stack's CA, as dockerd's --tlsverify does.
 */
export interface EngineApiEndpoint {
  /** Its TCP listener, published on 127.0.0.1. */
  readonly port: number;
  /** "tcp://127.0.0.1:<port>": give the docker CLI tlsEnv or tlsFlags with it. */
  readonly tcpUrl: string;
  /** The socket, in the bind-mounted run dir on the host. */
  readonly socketPath: string;
  /** "unix://<socketPath>" */
  readonly socketUrl: string;
  /** The docker CLI's env for tcpUrl as `cli`: DOCKER_HOST, DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH. */
  readonly tlsEnv: DockerEnv;
  /** The same as the CLI's global flags: --tlsverify --tlscacert … --tlscert … --tlskey … -H tcpUrl. */
  readonly tlsFlags: readonly string[];
}

export interface DockerOptions {
  /** The socket (default), or the TCP listener over TLS with the `cli` certificate. */
  readonly over?: "socket" | "tls";
}

export interface RestartOptions {
  /** SIGTERM and let it drain (up to 10 s); default false: killed at once, like a crash. */
  readonly graceful?: boolean;
}

let defaultImage: Promise<string> | undefined;

/**
 * The five Slipway apps, each in its own container from one image, on a private Docker network where
 * they find each other by container name, sharing a data root that is a host directory the test can
 * read. Ports are published on 127.0.0.1 only, and every port speaks mutual TLS: the stack makes its
 * own CA and certificate set (`tls`), and each container gets only its own pair and the CA certificate,
 * read-only, as docker-compose.yml mounts them. start() returns once every app is healthy.
 */
export class SlipwayStack {
  /**
   * Connected gRPC clients, each calling as DEFAULT_CALLERS says (orchestrator for layer-store and
   * container-config, cli for image-store and the orchestrator); they survive restart().
   */
  readonly clients: SlipwayClients;
  readonly engineApi: EngineApiEndpoint;
  /** The stack's certificates: any identity's files, for clients of any app. */
  readonly tls: CertificateDir;

  /** Labels every container and the network (org.slipway.testing.stack). */
  readonly id: string;
  /** The shared data root on the host. */
  readonly dataRoot: string;
  /** engine-api's run dir on the host (holds docker.sock). */
  readonly runRoot: string;
  /** Holds the run dir, the certificates, and the data root unless the caller gave one. */
  private readonly tempDir: string;

  /** Clients per calling identity (the default ones under ""), closed by stop(). */
  private readonly clientSets = new Map<string, SlipwayClients>();

  private constructor(
    id: string,
    dirs: StackDirs,
    private readonly identities: IdentityCertificates,
    private readonly hostPorts: Readonly<Record<SlipwayApp, number>>,
    private readonly containers: ReadonlyMap<SlipwayApp, StartedTestContainer>,
  ) {
    this.id = id;
    this.dataRoot = dirs.dataRoot;
    this.runRoot = dirs.runRoot;
    this.tempDir = dirs.tempDir;
    this.tls = identities.dir;
    this.clients = this.connect("", (app) => DEFAULT_CALLERS[app]);
    const socketPath = join(this.runRoot, "docker.sock");
    const port = hostPorts["engine-api"];
    const tcpUrl = `tcp://127.0.0.1:${port}`;
    this.engineApi = {
      port,
      tcpUrl,
      socketPath,
      socketUrl: `unix://${socketPath}`,
      tlsEnv: this.tls.dockerTlsEnv(tcpUrl),
      tlsFlags: this.tls.dockerTlsFlags(tcpUrl),
    };
  }

  static async start(options: SlipwayStackOptions = {}): Promise<SlipwayStack> {
    const image = options.image ?? process.env.SLIPWAY_IMAGE ?? (await (defaultImage ??= buildSlipwayImage()));
    const id = randomBytes(4).toString("hex");
    const dirs = makeDirs(id, options.dataRoot);
    const hostPorts = await allocatePorts();
    const containers = new Map<SlipwayApp, StartedTestContainer>();
    let identities: IdentityCertificates | undefined;
    try {
      identities = new IdentityCertificates(await CertificateDir.create(dirs.certsDir));
      await createNetwork(id);
      const logLevel = options.logLevel ?? "info";
      const timeoutMs = options.startupTimeoutMs ?? 60_000;
      // Health is open to every caller, but a mutual-TLS channel needs a certificate: the checks present cli's.
      const probe = identities.get("cli");
      await startInDependencyOrder({ id, image, ...dirs, hostPorts, env: options.env ?? {}, logLevel, timeoutMs, probe }, containers);
    } catch (err) {
      identities?.close();
      await removeStack(id);
      rmSync(dirs.tempDir, { recursive: true, force: true });
      throw err;
    }
    return new SlipwayStack(id, dirs, identities, hostPorts, containers);
  }

  /** "127.0.0.1:<port>" of a gRPC app. */
  grpcAddress(app: GrpcApp): string {
    return `127.0.0.1:${this.hostPorts[app]}`;
  }

  /**
   * Clients of every gRPC app that all call as `identity` (any name in tls.dir: an app or "cli"), e.g.
   * clientsAs("image-store").layerStore.registerLayer(…), or clientsAs("cli").layerStore to see a refusal.
   * Made once per identity; they survive restart(), and stop() closes them.
   */
  clientsAs(identity: string): SlipwayClients {
    return this.clientSets.get(identity) ?? this.connect(identity, () => identity);
  }

  /** Runs the stock docker CLI against engine-api; resolves to its trimmed stdout, rejects with its stderr. */
  docker(args: readonly string[], options: DockerOptions = {}): Promise<string> {
    return runDocker(options.over === "tls" ? this.engineApi.tlsEnv : this.engineApi.socketUrl, args);
  }

  /** The running container of an app (exec, logs, inspect). */
  container(app: SlipwayApp): StartedTestContainer {
    return this.containers.get(app)!;
  }

  /** Restarts one app's container and returns once it is healthy again; clients reconnect by themselves. */
  async restart(app: SlipwayApp, options: RestartOptions = {}): Promise<void> {
    await this.container(app).restart({ timeout: options.graceful ? 10 : 0 });
  }

  /** Connects clients whose caller for each app is `callerOf(app)`, kept under `key` until stop(). */
  private connect(key: string, callerOf: (app: GrpcApp) => string): SlipwayClients {
    const clients = connectClients(
      (app) => this.grpcAddress(app),
      (app) => this.identities.get(callerOf(app)),
    );
    this.clientSets.set(key, clients);
    return clients;
  }

  /** Stops every app (SIGTERM, drain), removes the containers, the network and the temp dirs (not a given data root). */
  async stop(): Promise<void> {
    for (const clients of this.clientSets.values()) closeClients(clients);
    this.identities.close();
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
  /** The certificate set; each container mounts its own files of it. */
  readonly certsDir: string;
}

/**
 * A temp dir with the run dir, the certificates (made by start()) and, unless the caller gave one, the
 * data root (0710, like /var/lib/docker).
 */
function makeDirs(id: string, givenDataRoot: string | undefined): StackDirs {
  const tempDir = mkdtempSync(join(tmpdir(), `slipway-stack-${id}-`));
  const dataRoot = givenDataRoot ?? join(tempDir, "data");
  const runRoot = join(tempDir, "run");
  if (givenDataRoot) mkdirSync(dataRoot, { recursive: true });
  else makeDir(dataRoot, 0o710);
  makeDir(runRoot, 0o755);
  return { tempDir, dataRoot, runRoot, certsDir: join(tempDir, "certs") };
}

/** One CertificateFiles per identity, shared by everything the stack connects as that identity. */
class IdentityCertificates {
  private readonly files = new Map<string, CertificateFiles>();

  constructor(readonly dir: CertificateDir) {}

  get(identity: string): CertificateFiles {
    let files = this.files.get(identity);
    if (!files) this.files.set(identity, (files = this.dir.certificates(identity)));
    return files;
  }

  close(): void {
    for (const files of this.files.values()) files.close();
  }
}

interface Plan extends StackDirs {
  readonly id: string;
  readonly image: string;
  readonly hostPorts: Readonly<Record<SlipwayApp, number>>;
  readonly env: NonNullable<SlipwayStackOptions["env"]>;
  readonly logLevel: string;
  readonly timeoutMs: number;
  /** The certificates the health checks present. */
  readonly probe: CertificateFiles;
}

/** Starts each app as soon as the apps it depends on are healthy (the stores start together). */
async function startInDependencyOrder(plan: Plan, started: Map<SlipwayApp, StartedTestContainer>): Promise<void> {
  const starting = new Map<SlipwayApp, Promise<void>>();
  for (const app of SLIPWAY_APPS) {
    const deps = DEPLOYMENT[app].dependsOn.map((dep) => starting.get(dep)!);
    starting.set(
      app,
      Promise.all(deps).then(async () => void started.set(app, await appContainer(plan, app).start())),
    );
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
    ...certificateFilesOf(app).map((file) => ({ source: join(plan.certsDir, file), target: `${TLS_DIR_IN_CONTAINER}/${file}`, mode: "ro" as const })),
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
      ...sharedEnv((peer) => containerName(plan.id, peer)),
      ...deployment.env,
      // The host path: a stock dockerd adopting the data root finds named volumes there.
      ...(deployment.dataRoot ? { SLIPWAY_DOCKERD_DATA_ROOT: plan.dataRoot } : {}),
      SLIPWAY_LOG_LEVEL: plan.logLevel,
      ...plan.env[app],
    })
    .withBindMounts(binds)
    .withLoopbackPort(deployment.port, plan.hostPorts[app])
    .withWaitStrategy(new AppHealthWait(app, plan.probe))
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
