import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  readFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { createClient, createLogger, startService, type RunningService, type ServiceClient } from "@slipway/grpc-kit";
import { layerstore } from "@slipway/proto";
import { inject } from "vitest";
import { createApp } from "../src/app.js";

export type LayerStoreClient = ServiceClient<typeof layerstore.LayerStoreServiceService>;

export interface StoreUnderTest {
  readonly dataRoot: string;
  readonly address: string;
  readonly client: LayerStoreClient;
  stop(): Promise<void>;
}

/** A fresh directory inside this run's test root (removed when the run ends). */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(inject("testRoot"), prefix));
}

export function tempDataRoot(): string {
  return tempDir("data-");
}

/** A unix socket address in a fresh directory of its own (short enough for the kernel's 107 bytes). */
export function tempSocket(name = "layer-store"): string {
  return `unix:${join(tempDir("sock-"), `${name}.sock`)}`;
}

/** The real server in this process on a unix socket of its own, recovered and SERVING. */
export async function startStore(dataRoot = tempDataRoot()): Promise<StoreUnderTest> {
  const logger = createLogger("layer-store", "silent");
  const app = createApp({ dataRoot }, logger);
  const server: RunningService = await startService({ name: "layer-store", bind: tempSocket(), logger, services: app.services });
  await app.recover?.();
  server.setServing();
  const client = createClient(layerstore.LayerStoreServiceService, server.address, { name: "layer-store" });
  return {
    dataRoot,
    address: server.address,
    client,
    async stop() {
      client.close();
      await server.shutdown();
    },
  };
}

const MAIN = new URL("../dist/main.js", import.meta.url).pathname;

export interface SpawnedStore {
  readonly process: ChildProcess;
  readonly address: string;
  readonly client: LayerStoreClient;
  /** Resolves with the exit signal (e.g. "SIGKILL") or code. */
  readonly exited: Promise<string>;
}

/** `node apps/layer-store/dist/main.js` on a data root, with failpoints armed through the environment. */
export async function spawnStore(dataRoot: string, failpoints = ""): Promise<SpawnedStore> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      SLIPWAY_DATA_ROOT: dataRoot,
      SLIPWAY_RUN_ROOT: join(dataRoot, "..", "run"),
      SLIPWAY_LAYER_STORE_BIND: tempSocket(),
      SLIPWAY_FAILPOINTS: failpoints,
      SLIPWAY_LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? String(code))));
  const address = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    child.stdout!.on("data", (data: Buffer) => {
      buffered += data.toString();
      const listening = /listening on (unix:[^"\s]+)/.exec(buffered);
      if (listening && buffered.includes("layer-store ready")) resolve(listening[1]!);
    });
    void exited.then((how) => reject(new Error(`layer-store exited (${how}) before it was ready`)));
  });
  const client = createClient(layerstore.LayerStoreServiceService, address, { name: "layer-store" });
  return { process: child, address, client, exited };
}

/** One line per entry under root, like `find -printf '%M %u:%g %s %p -> %l'` with sizes of files only. */
export function treeListing(root: string, options: { dirSizes?: boolean } = {}): string[] {
  const lines: string[] = [];
  const walk = (path: string) => {
    const stats = lstatSync(path);
    const rel = relative(root, path) || ".";
    const target = stats.isSymbolicLink() ? readlinkSync(path) : "";
    const size = stats.isDirectory() && !options.dirSizes ? "-" : String(stats.size);
    lines.push(`${modeString(stats.mode)} ${stats.uid}:${stats.gid} ${size} ${rel} -> ${target}`);
    if (stats.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  walk(root);
  return lines;
}

/** ls-style mode string: drwx--x---, -rw-r--r--, lrwxrwxrwx, crw-------. */
export function modeString(mode: number): string {
  const type = { 0o040000: "d", 0o120000: "l", 0o020000: "c", 0o060000: "b", 0o010000: "p", 0o140000: "s" }[mode & 0o170000] ?? "-";
  const bits = "rwxrwxrwx".split("").map((c, i) => (mode & (1 << (8 - i)) ? c : "-"));
  if (mode & 0o4000) bits[2] = bits[2] === "x" ? "s" : "S";
  if (mode & 0o2000) bits[5] = bits[5] === "x" ? "s" : "S";
  if (mode & 0o1000) bits[8] = bits[8] === "x" ? "t" : "T";
  return type + bits.join("");
}

/** Replaces 64-hex ids and 26-char link ids so that two trees with different random ids compare. */
export function withoutIds(line: string): string {
  return line.replace(/[a-f0-9]{64}/g, "<id>").replace(/\b[A-Z2-7]{26}\b/g, "<link>");
}

/** RegisterLayer requests: the header, then the file's bytes in chunks. */
export async function* registerRequests(
  header: Partial<layerstore.RegisterLayerHeader>,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncIterable<layerstore.RegisterLayerRequest> {
  yield { header: { parentChainId: "", expectedDiffId: "", holder: "", placementFollows: false, ...header } };
  for await (const chunk of chunks) yield { chunk: Buffer.from(chunk) };
}

/** RegisterLayer requests whose placement follows the tar: an announcing header, the chunks, then `placement` once it resolves. */
export async function* requestsPlacedLater(
  chunks: Iterable<Uint8Array>,
  placement: Promise<Partial<layerstore.RegisterLayerHeader>>,
): AsyncIterable<layerstore.RegisterLayerRequest> {
  yield* registerRequests({ placementFollows: true }, chunks);
  yield { placement: { parentChainId: "", expectedDiffId: "", holder: "", placementFollows: false, ...(await placement) } };
}

/** Registers a whole tar given as bytes (split in 64 KiB chunks). */
export function registerBytes(client: LayerStoreClient, bytes: Uint8Array, header: Partial<layerstore.RegisterLayerHeader> = {}) {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += 65536) chunks.push(bytes.subarray(offset, offset + 65536));
  return client.registerLayer(registerRequests(header, chunks));
}

export async function collect(stream: AsyncIterable<{ chunk: Buffer }>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const { chunk } of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A CreateVolume request without labels or driver options. */
export function volumeRequest(
  request: Omit<layerstore.CreateVolumeRequest, "labels" | "driverOpts"> & Partial<layerstore.CreateVolumeRequest>,
): layerstore.CreateVolumeRequest {
  return { labels: {}, driverOpts: {}, ...request };
}

/** A CreateContainerLayers request: the RW layer and these volumes (none by default). */
export function layersRequest(
  containerId: string,
  parentChainId: string,
  workingDir = "",
  volumes: readonly (Partial<layerstore.ContainerVolumeRequest> & { name: string })[] = [],
): layerstore.CreateContainerLayersRequest {
  return {
    containerId,
    parentChainId,
    workingDir,
    storageOpt: {},
    leaseId: "",
    volumes: volumes.map((volume) => ({ destination: "/data", copyData: false, driver: "", keep: false, labels: {}, driverOpts: {}, ...volume })),
  };
}

/** CreateContainerLayers without volumes; answers the RW layer it made. */
export async function createRWLayer(
  client: LayerStoreClient,
  containerId: string,
  parentChainId: string,
  workingDir = "",
): Promise<layerstore.RWLayer> {
  await client.createContainerLayers(layersRequest(containerId, parentChainId, workingDir));
  return (await client.getRwLayer({ containerId })).rwLayer!;
}

/** One entry of a test layer: a directory, a file with content, or a symlink; uid/gid/mode exact. */
export type TreeEntry =
  | { readonly path: string; readonly type: "dir"; readonly mode?: number; readonly uid?: number; readonly gid?: number }
  | { readonly path: string; readonly type: "file"; readonly content?: string; readonly mode?: number; readonly uid?: number; readonly gid?: number }
  | { readonly path: string; readonly type: "symlink"; readonly target: string };

/** A layer tar made by the system's GNU tar from a tree laid out on disk (numeric owners). */
export function makeLayerTar(entries: readonly TreeEntry[]): Buffer {
  const dir = tempDir("layer-src-");
  for (const entry of entries) {
    const path = join(dir, entry.path);
    mkdirSync(dirname(path), { recursive: true });
    if (entry.type === "dir") mkdirSync(path, { recursive: true });
    else if (entry.type === "file") writeFileSync(path, entry.content ?? "");
    else symlinkSync(entry.target, path);
    if (entry.type !== "symlink") {
      chmodSync(path, entry.mode ?? (entry.type === "dir" ? 0o755 : 0o644));
      chownSync(path, entry.uid ?? 0, entry.gid ?? 0);
    }
  }
  const names = readdirSync(dir).sort();
  const tar = execFileSync("tar", ["--numeric-owner", "--sort=name", "--mtime=2020-01-01", "-C", dir, "-cf", "-", ...names], {
    maxBuffer: 1 << 30,
  });
  rmSync(dir, { recursive: true, force: true });
  return tar;
}

/** Registers a chain of layers made from trees, base first; returns their chainIDs. */
export async function registerChain(client: LayerStoreClient, layers: readonly (readonly TreeEntry[])[], holder = "image:test"): Promise<string[]> {
  const chain: string[] = [];
  for (const entries of layers) {
    const { layer } = await registerBytes(client, makeLayerTar(entries), { parentChainId: chain.at(-1) ?? "", holder });
    chain.push(layer!.chainId);
  }
  return chain;
}

/**
 * What must hold for any data root after recovery: every overlay2 dir named by a record, every named
 * dir complete, l/ links exactly those of named dirs, no tmp/ write-sets or *-removing leftovers, every
 * volume complete and none half-built.
 */
export function invariantViolations(dataRoot: string): string[] {
  const problems: string[] = [];
  const layerdb = join(dataRoot, "image/overlay2/layerdb");
  const overlay = join(dataRoot, "overlay2");
  const named = new Map<string, "ro" | "rw">();
  for (const hex of readdirSync(join(layerdb, "sha256"))) {
    if (!/^[a-f0-9]{64}$/.test(hex)) problems.push(`layerdb/sha256/${hex}: leftover`);
    const files = readdirSync(join(layerdb, "sha256", hex)).sort();
    for (const f of ["cache-id", "diff", "size", "tar-split.json.gz"]) if (!files.includes(f)) problems.push(`layerdb/sha256/${hex}: no ${f}`);
    named.set(readFileSync(join(layerdb, "sha256", hex, "cache-id"), "utf8"), "ro");
  }
  for (const cid of readdirSync(join(layerdb, "mounts"))) {
    const files = readdirSync(join(layerdb, "mounts", cid)).sort();
    if (!files.includes("mount-id") || !files.includes("init-id")) problems.push(`layerdb/mounts/${cid}: incomplete (${files})`);
    const mountId = readFileSync(join(layerdb, "mounts", cid, "mount-id"), "utf8");
    named.set(mountId, "rw").set(`${mountId}-init`, "rw");
  }
  if (readdirSync(join(layerdb, "tmp")).length > 0) problems.push(`layerdb/tmp not empty: ${readdirSync(join(layerdb, "tmp"))}`);
  const links = new Set<string>();
  for (const id of readdirSync(overlay)) {
    if (id === "l") continue;
    if (!named.has(id)) problems.push(`overlay2/${id}: named by no record`);
    const files = readdirSync(join(overlay, id));
    for (const f of ["diff", "link"]) if (!files.includes(f)) problems.push(`overlay2/${id}: no ${f}`);
    if (files.includes("link")) links.add(readFileSync(join(overlay, id, "link"), "utf8"));
  }
  for (const id of named.keys()) if (!readdirSync(overlay).includes(id)) problems.push(`overlay2/${id}: named but missing`);
  for (const link of readdirSync(join(overlay, "l"))) {
    if (!links.has(link)) problems.push(`overlay2/l/${link}: stale`);
    else if (!lstatSync(join(overlay, "l", link)).isSymbolicLink() || !existsSync(join(overlay, "l", link))) problems.push(`l/${link}: dangling`);
  }
  for (const link of links) if (!existsSync(join(overlay, "l", link))) problems.push(`overlay2/l/${link}: missing`);
  for (const name of readdirSync(join(dataRoot, "volumes"))) {
    if (name.startsWith(".slipway-building-")) problems.push(`volumes/${name}: leftover`);
    else if (!existsSync(join(dataRoot, "volumes", name, "_data"))) problems.push(`volumes/${name}: no _data`);
  }
  return problems;
}
