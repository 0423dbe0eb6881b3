/**
 * Manifest requests as dockerd 20.10 makes them: a tag is resolved to a digest with HEAD (GET when the
 * HEAD gives none), the manifest is then fetched by digest and its bytes verified against it; pushes PUT
 * the exact bytes with their media type.
 */
import type { Reference } from "@slipway/docker-spec";
import { sha256Digest } from "@slipway/docker-spec";
import { digestProblem, matchesDigest } from "./digests.js";
import { errorFromResponse } from "./error-response.js";
import { DigestMismatchError, RegistryError } from "./errors.js";
import { parseManifest, type Descriptor, type Manifest } from "./manifest.js";
import { MANIFEST_ACCEPT, bareMediaType } from "./media-types.js";
import type { Session } from "./session.js";
import { discard, readBody, type HttpResponse } from "./transport.js";

/** The largest manifest accepted (as containerd's resolver; distribution's own limit is 4 MiB too). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** A manifest as fetched: its exact bytes, which hash to `digest`. */
export interface FetchedManifest {
  readonly digest: string;
  /** The media type it was served as (the Content-Type without parameters). */
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly manifest: Manifest;
}

export class Manifests {
  constructor(
    private readonly session: Session,
    private readonly repositoryUrl: string,
  ) {}

  url(tagOrDigest: string): string {
    return `${this.repositoryUrl}/manifests/${tagOrDigest}`;
  }

  /** The descriptor a tag points at (distribution's tags.Get: HEAD, or GET when HEAD gives no digest). */
  async resolve(tag: string, ref: Reference, signal?: AbortSignal): Promise<Descriptor> {
    const head = await this.request("HEAD", tag, signal);
    discard(head);
    const digest = head.header("docker-content-digest");
    if (head.status >= 200 && head.status < 400 && digest) return descriptorFrom(head, digest);
    const get = await this.request("GET", tag, signal);
    if (get.status < 200 || get.status > 399) throw await errorFromResponse(get);
    const bytes = await readManifestBody(get);
    const served = get.header("docker-content-digest");
    if (served) return descriptorFrom(get, served);
    const manifest = parseManifest(get.header("content-type") ?? "", bytes, ref);
    return { mediaType: manifest.mediaType, digest: sha256Digest(bytes), size: bytes.length };
  }

  /** The manifest with this digest, its bytes verified ("manifest verification failed for digest …"). */
  async get(digest: string, ref: Reference, signal?: AbortSignal): Promise<FetchedManifest> {
    const problem = digestProblem(digest);
    if (problem !== undefined) throw new RegistryError(`invalid manifest digest ${JSON.stringify(digest)}: ${problem}`);
    const response = await this.request("GET", digest, signal);
    if (response.status < 200 || response.status > 399) throw await errorFromResponse(response);
    const bytes = await readManifestBody(response);
    if (!matchesDigest(bytes, digest)) throw new DigestMismatchError("manifest", digest);
    const contentType = response.header("content-type") ?? "";
    const manifest = parseManifest(contentType, bytes, ref);
    return { digest, mediaType: bareMediaType(contentType) || manifest.mediaType, bytes, manifest };
  }

  /** PUTs a manifest under a tag (or its digest) and returns its descriptor. */
  async put(tagOrDigest: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<Descriptor> {
    const headers = { "content-type": mediaType };
    const response = await this.session.send({ method: "PUT", url: this.url(tagOrDigest), headers, body: bytes, ...(signal ? { signal } : {}) });
    if (response.status < 200 || response.status > 399) throw await errorFromResponse(response);
    discard(response);
    const digest = sha256Digest(bytes);
    const served = response.header("docker-content-digest");
    if (served !== undefined && served !== digest) throw new RegistryError(`registry stored the manifest as ${served}, expected ${digest}`);
    return { mediaType, digest, size: bytes.length };
  }

  private request(method: "GET" | "HEAD", tagOrDigest: string, signal: AbortSignal | undefined): Promise<HttpResponse> {
    return this.session.send({ method, url: this.url(tagOrDigest), headers: { accept: MANIFEST_ACCEPT.join(", ") }, ...(signal ? { signal } : {}) });
  }
}

function descriptorFrom(response: HttpResponse, digest: string): Descriptor {
  const mediaType = response.header("content-type");
  if (!mediaType) throw new RegistryError("missing or empty Content-Type header");
  const length = response.header("content-length");
  if (!length) throw new RegistryError("missing or empty Content-Length header");
  const problem = digestProblem(digest);
  if (problem !== undefined) throw new RegistryError(problem);
  return { mediaType: bareMediaType(mediaType), digest, size: Number(length) };
}

async function readManifestBody(response: HttpResponse): Promise<Buffer> {
  const declared = Number(response.header("content-length") ?? "0");
  const tooLarge = () => new RegistryError(`manifest too large: more than ${MAX_MANIFEST_BYTES} bytes`, { category: "invalid-parameter" });
  if (declared > MAX_MANIFEST_BYTES) {
    response.body.destroy();
    throw tooLarge();
  }
  return readBody(response, MAX_MANIFEST_BYTES, tooLarge);
}
