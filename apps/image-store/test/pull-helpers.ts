// What the pull tests need: images put into a test registry (skopeo, from a `docker save` archive built here),
// a throwaway dockerd's own pull (its Engine API stream), and a view of what a pull wrote under a data root.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { createServer, request as forward } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { digestHex, parseNormalizedNamed, sha256Digest } from "@slipway/docker-spec";
import { SlipwayError } from "@slipway/errors";
import type { imagestore } from "@slipway/proto";
import { encodeRegistryAuth, MediaType, RegistryClient, schema2Manifest, type Descriptor } from "@slipway/registry-client";
import { startSecondDockerd, type SecondDockerd } from "@slipway/throwaway-dockerd";
import type { DockerLine } from "./push-helpers.js";
import { sha256, tarOf } from "./fixtures.js";
import type { Stack } from "./harness.js";

const run = promisify(execFile);

/**
 * The stock dockerd a test file compares with: a throwaway one on a data root under `dir`, so the host's
 * images and distribution metadata stay as they were; it pulls from the tests' 127.0.0.1 registries over
 * plain HTTP, as dockerd allows 127.0.0.0/8 by default.
 */
export function startComparedDockerd(dir: string): Promise<SecondDockerd> {
  return startSecondDockerd({ dataRoot: join(dir, "dockerd") });
}

/** The docker CLI against that dockerd; throws with its stderr. */
export async function dockerCli(dockerd: SecondDockerd, ...args: string[]): Promise<string> {
  const { stdout } = await run("docker", ["--host", dockerd.dockerHost, ...args]);
  return stdout.trim();
}

export interface BuiltImage {
  readonly id: string;
  readonly config: Buffer;
  readonly diffIds: string[];
  /** The layer tars, base first. */
  readonly tars: Buffer[];
}

/** An image of one file per layer; the tars of `base` (another image's layers) come first. */
export async function buildImage(fileBytes: readonly number[], base: readonly Buffer[] = [], architecture = "amd64"): Promise<BuiltImage> {
  const own = await Promise.all(fileBytes.map((size, i) => tarOf([{ name: `file-${i}`, data: randomBytes(size) }])));
  const tars = [...base, ...own];
  const diffIds = tars.map((tar) => sha256(tar));
  const created = "2026-01-02T03:04:05Z";
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os: "linux",
      created,
      config: { Cmd: ["/file-0"] },
      rootfs: { type: "layers", diff_ids: diffIds },
      history: tars.map(() => ({ created, created_by: "test" })),
    }),
  );
  return { id: sha256(config), config, diffIds, tars };
}

/** Puts the image into a registry under `destination` ("127.0.0.1:PORT/name:tag") with skopeo, as docker-save input. */
export async function skopeoPush(image: BuiltImage, destination: string, dir: string, credentials?: string): Promise<void> {
  const layerPaths = image.diffIds.map((diffId) => `${digestHex(diffId)}/layer.tar`);
  const archive = await tarOf([
    ...image.tars.map((data, i) => ({ name: layerPaths[i]!, data })),
    { name: `${digestHex(image.id)}.json`, data: image.config },
    { name: "manifest.json", data: JSON.stringify([{ Config: `${digestHex(image.id)}.json`, RepoTags: ["image:latest"], Layers: layerPaths }]) },
  ]);
  const path = join(dir, `${randomBytes(4).toString("hex")}.tar`);
  await writeFile(path, archive);
  const creds = credentials ? [`--dest-creds=${credentials}`] : [];
  await run("skopeo", [
    "--insecure-policy",
    "copy",
    "--quiet",
    "--dest-tls-verify=false",
    ...creds,
    `docker-archive:${path}`,
    `docker://${destination}`,
  ]);
}

/**
 * Puts a config and layer blobs (uploaded once each, named as often as given) under `destination`
 * ("127.0.0.1:PORT/name:tag") as they are, for images skopeo would refuse to copy (a config that lies).
 */
export async function pushBlobs(destination: string, config: Buffer, layers: readonly Buffer[]): Promise<void> {
  const reference = parseNormalizedNamed(destination);
  await new RegistryClient().withRepository(reference, { push: true }, async (repository) => {
    const uploaded = new Map<Buffer, Descriptor>();
    for (const blob of new Set(layers)) uploaded.set(blob, await repository.uploads.upload(() => once(blob), { digest: sha256Digest(blob) }));
    const configDescriptor = await repository.uploads.upload(() => once(config), { digest: sha256Digest(config), mediaType: MediaType.dockerConfig });
    const layerDescriptors = layers.map((blob) => ({ ...uploaded.get(blob)!, mediaType: MediaType.dockerLayer }));
    await repository.manifests.put(reference.tag!, schema2Manifest(configDescriptor, layerDescriptors), MediaType.dockerManifest);
  });
}

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

/** An Engine API call to that dockerd: its status and its body, as JSON lines. */
export async function dockerdApi(
  dockerd: SecondDockerd,
  method: string,
  path: string,
  options: { auth?: object; body?: object } = {},
): Promise<{ status: number; lines: unknown[] }> {
  const args = ["-s", "-X", method, "--unix-socket", dockerd.socketPath, "-w", "\n%{http_code}"];
  if (options.auth) args.push("-H", `X-Registry-Auth: ${encodeRegistryAuth(options.auth)}`);
  if (options.body) args.push("-H", "Content-Type: application/json", "-d", JSON.stringify(options.body));
  const { stdout } = await run("curl", [...args, `http://docker/v1.41${path}`]);
  const lines = stdout.trimEnd().split("\n");
  const status = Number(lines.pop());
  return { status, lines: lines.filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as unknown) };
}

/** `docker pull` as the CLI asks dockerd for it. */
export async function dockerdPull(
  dockerd: SecondDockerd,
  name: string,
  tag: string,
  auth?: object,
): Promise<{ status: number; lines: DockerLine[] }> {
  const { status, lines } = await dockerdApi(
    dockerd,
    "POST",
    `/images/create?fromImage=${encodeURIComponent(name)}&tag=${encodeURIComponent(tag)}`,
    auth ? { auth } : {},
  );
  return { status, lines: lines as DockerLine[] };
}

/** How image-store's pull failed: the statuses it sent before, and its error (a pull that succeeds fails the test). */
export async function pullFailure(
  client: Stack["client"],
  request: Partial<imagestore.PullImageRequest> & { reference: string },
): Promise<{ statuses: string[]; error: SlipwayError }> {
  const statuses: string[] = [];
  try {
    for await (const { progress } of client.pullImage({ tag: "", platform: "", ...request })) statuses.push(progress!.status);
  } catch (err) {
    if (err instanceof SlipwayError) return { statuses, error: err };
    throw err;
  }
  throw new Error(`pulling ${request.reference} did not fail: ${JSON.stringify(statuses)}`);
}

/** The message of dockerd's one-line error answer. */
export const messageOf = (lines: readonly unknown[]) => (lines[0] as { message: string }).message;

/** A file's mode and content (gunzipped for tar-split), or "missing". */
async function fileView(path: string): Promise<string> {
  if (!existsSync(path)) return "missing";
  const [info, bytes] = await Promise.all([stat(path), readFile(path)]);
  const content = path.endsWith(".gz") ? gunzipSync(bytes) : bytes;
  return `${(info.mode & 0o7777).toString(8)} ${content.toString("utf8")}`;
}

/** What a pull of an image wrote under a data root that the two engines must agree on (cache IDs aside). */
export async function pulledView(root: string, image: BuiltImage, blobDigests: readonly string[], chainIds: readonly string[]) {
  const imageRoot = join(root, "image", "overlay2");
  const distribution = join(imageRoot, "distribution");
  const layerdb = (chainId: string) => join(imageRoot, "layerdb", "sha256", digestHex(chainId));
  const view: Record<string, string> = {
    config: await fileView(join(imageRoot, "imagedb", "content", "sha256", digestHex(image.id))),
    metadata: existsSync(join(imageRoot, "imagedb", "metadata", "sha256", digestHex(image.id))) ? "present" : "missing",
  };
  for (const dir of ["", "diffid-by-digest", "diffid-by-digest/sha256", "v2metadata-by-diffid", "v2metadata-by-diffid/sha256"]) {
    view[`distribution/${dir}`] = ((await stat(join(distribution, dir))).mode & 0o7777).toString(8);
  }
  for (const [i, digest] of blobDigests.entries()) {
    view[`diffid-by-digest ${i}`] = await fileView(join(distribution, "diffid-by-digest", "sha256", digestHex(digest)));
    view[`v2metadata ${i}`] = await fileView(join(distribution, "v2metadata-by-diffid", "sha256", digestHex(image.diffIds[i]!)));
  }
  for (const [i, chainId] of chainIds.entries()) {
    for (const name of ["diff", "size", "parent", "tar-split.json.gz"]) view[`layerdb ${i} ${name}`] = await fileView(join(layerdb(chainId), name));
  }
  return view;
}

/** The references repositories.json holds for one repository name. */
export async function repositoryEntry(root: string, name: string): Promise<Record<string, string> | undefined> {
  const doc = JSON.parse(await readFile(join(root, "image", "overlay2", "repositories.json"), "utf8")) as {
    Repositories: Record<string, Record<string, string>>;
  };
  return doc.Repositories[name];
}

/** A proxy in front of a registry that flips one byte in the middle of one blob's body. */
export async function startCorruptingProxy(target: string, blobDigest: string): Promise<{ host: string; stop: () => Promise<void> }> {
  const [hostname, port] = target.split(":");
  const server = createServer((incoming, outgoing) => {
    const upstream = forward({ hostname, port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      if (incoming.method !== "GET" || !incoming.url?.endsWith(`/blobs/${blobDigest}`)) return void answer.pipe(outgoing);
      void buffer(answer).then((body) => {
        body[body.length >> 1] ^= 0xff;
        outgoing.end(body);
      });
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: own } = server.address() as AddressInfo;
  return { host: `127.0.0.1:${own}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** An event as the Engine API shows it, times aside. */
export interface EventActor {
  readonly Type: string;
  readonly Action: string;
  readonly Actor: { readonly ID: string; readonly Attributes: Record<string, string> };
}

/** The events of one action the throwaway dockerd logged so far. */
export async function dockerdEvents(dockerd: SecondDockerd, action: string): Promise<EventActor[]> {
  const filters = encodeURIComponent(JSON.stringify({ event: [action] }));
  const { lines } = await dockerdApi(dockerd, "GET", `/events?since=1&until=${Math.ceil(Date.now() / 1000)}&filters=${filters}`);
  return (lines as EventActor[]).map(({ Type, Action, Actor }) => ({ Type, Action, Actor }));
}

/** The events of one action image-store keeps (its WatchEvents replay). */
export async function imageStoreEvents(client: Stack["client"], action: string): Promise<EventActor[]> {
  const answers = client.watchEvents({ replay: true })[Symbol.asyncIterator]();
  const { events } = (await answers.next()).value as imagestore.WatchEventsResponse;
  await answers.return!();
  return events
    .filter((e) => e.action === action)
    .map((e) => ({ Type: e.type, Action: e.action, Actor: { ID: e.actorId, Attributes: e.attributes } }));
}
