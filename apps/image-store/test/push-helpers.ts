// What the push tests compare: image-store's PushImage stream and a throwaway dockerd's own push (its Engine API stream).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { imagestore } from "@slipway/proto";
import type { SecondDockerd } from "@slipway/throwaway-dockerd";
import type { Stack } from "./harness.js";
import { dockerdApi } from "./pull-helpers.js";

const run = promisify(execFile);

/** One line of dockerd's pull or push stream (jsonmessage). */
export interface DockerLine {
  readonly id?: string;
  readonly status?: string;
  readonly aux?: { Tag: string; Digest: string; Size: number };
  readonly error?: string;
}

/** One message of image-store's stream, or the error that ended it (as dockerd's stream ends with one). */
export type PushLine = imagestore.ProgressMessage | { readonly error: string };

/** A push as the docker CLI asks dockerd for it: POST /images/<name>/push?tag=, credentials in X-Registry-Auth. */
export async function dockerdPush(dockerd: SecondDockerd, name: string, tag: string, auth: object = {}): Promise<DockerLine[]> {
  return (await dockerdApi(dockerd, "POST", `/images/${name}/push?tag=${encodeURIComponent(tag)}`, { auth })).lines as DockerLine[];
}

/** image-store's PushImage, every message of it. */
export async function pushThroughImageStore(client: Stack["client"], reference: string, auth?: imagestore.RegistryAuth): Promise<PushLine[]> {
  const lines: PushLine[] = [];
  try {
    for await (const { progress } of client.pushImage({ reference, ...(auth ? { auth } : {}) })) lines.push(progress!);
  } catch (err) {
    lines.push({ error: (err as Error).message });
  }
  return lines;
}

/** A push's lines as both sides can be compared: whole-image lines, and each layer's statuses with repeats collapsed. */
export interface PushSummary {
  readonly image: string[];
  readonly layers: Record<string, string[]>;
}

/** Either side's push, summarised (digests and sizes vary with the gzip bytes). */
export function summaryOf(lines: readonly (PushLine | DockerLine)[]): PushSummary {
  const image: string[] = [];
  const layers: Record<string, string[]> = {};
  for (const line of lines as readonly (Partial<imagestore.ProgressMessage> & DockerLine)[]) {
    const status = (line.status ?? "").replace(/sha256:[0-9a-f]{64} size: \d+/, "sha256:<digest> size: <n>");
    if (line.aux !== undefined || line.pushResult !== undefined) image.push("<push result>");
    else if (line.error !== undefined) image.push(`error: ${line.error}`);
    else if (!line.id) image.push(status);
    else if (layers[line.id]?.at(-1) !== status) (layers[line.id] ??= []).push(status);
  }
  return { image, layers };
}

/** `skopeo inspect` of an image in a plain-HTTP registry: the manifest's digest and its layers. */
export async function skopeoInspect(image: string, ...args: string[]): Promise<{ Digest: string; Layers: string[] }> {
  const { stdout } = await run("skopeo", ["inspect", "--tls-verify=false", ...args, `docker://${image}`]);
  return JSON.parse(stdout) as { Digest: string; Layers: string[] };
}

/** The manifest's bytes as the registry serves them (`skopeo inspect --raw`). */
export async function skopeoRawManifest(image: string): Promise<Buffer> {
  const { stdout } = await run("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${image}`], { encoding: "buffer" });
  return stdout;
}
