/**
 * Blob pushes as dockerd 20.10 makes them: a cross-repository mount when the blob is known in another
 * repository of the registry (a declined mount's upload is reused), else an upload session (POST) that
 * receives the bytes and is closed by a PUT naming their digest. The bytes go in one streamed PATCH as
 * dockerd sends them, in PATCHes of a fixed size ("chunked"), or in the closing PUT ("monolithic").
 * Failed uploads are retried from the start, 5 attempts in all.
 */
import { createHash } from "node:crypto";
import { repositoryScope } from "./auth.js";
import type { Blobs } from "./blobs.js";
import { digestProblem } from "./digests.js";
import { errorFromResponse } from "./error-response.js";
import { RegistryError } from "./errors.js";
import type { Descriptor } from "./manifest.js";
import { MediaType } from "./media-types.js";
import { withRetries } from "./retry.js";
import type { Session } from "./session.js";
import { discard, type HttpResponse } from "./transport.js";

export type UploadMode = "stream" | "chunked" | "monolithic";

/** An upload session: where its next request goes. */
export interface UploadLocation {
  readonly url: string;
}

export type MountResult = { readonly mounted: true; readonly descriptor: Descriptor } | { readonly mounted: false; readonly upload: UploadLocation };

export interface UploadOptions {
  /** The blob's digest when known beforehand (needed for "monolithic"); the bytes sent must hash to it. */
  readonly digest?: string;
  /** The blob's size when known, for progress and a monolithic Content-Length. */
  readonly size?: number;
  /** The media type the returned descriptor carries (default: a Docker gzip layer). */
  readonly mediaType?: string;
  /** "stream" (default, dockerd's way), "chunked" or "monolithic". */
  readonly mode?: UploadMode;
  /** The PATCH size of a chunked upload (default 5 MiB). */
  readonly chunkSize?: number;
  /** An upload already started, such as the one a declined mount opened. */
  readonly started?: UploadLocation;
  /** Bytes sent so far (of this attempt) and the size when known. */
  readonly onProgress?: (sent: number, total: number | undefined) => void;
  /** dockerd's "Retrying in N seconds", once per second of each wait. */
  readonly onRetry?: (secondsLeft: number, error: RegistryError) => void;
  readonly signal?: AbortSignal;
}

/** Opens the blob's content afresh for each attempt. */
export type BlobSource = () => AsyncIterable<Uint8Array>;

const DEFAULT_CHUNK_SIZE = 5 * 1024 * 1024;

export class Uploads {
  constructor(
    private readonly session: Session,
    private readonly repositoryUrl: string,
    private readonly blobs: Blobs,
    private readonly secondMs: number,
  ) {}

  /** Asks the registry to link `digest` from repository `fromPath` (same registry, path without domain). */
  async mount(digest: string, fromPath: string, signal?: AbortSignal): Promise<MountResult> {
    const url = `${this.repositoryUrl}/blobs/uploads/?${new URLSearchParams({ from: fromPath, mount: digest })}`;
    const response = await this.session.send({
      method: "POST",
      url,
      extraScopes: [repositoryScope(fromPath, ["pull"])],
      ...(signal ? { signal } : {}),
    });
    if (response.status === 201) {
      discard(response);
      const stat = await this.blobs.stat(digest, signal);
      if (stat === undefined) throw new RegistryError("unknown blob");
      return { mounted: true, descriptor: { mediaType: MediaType.dockerLayer, digest, size: stat.size } };
    }
    if (response.status === 202) return { mounted: false, upload: nextLocation(response, url) };
    throw await errorFromResponse(response);
  }

  /** Starts an upload session (POST …/blobs/uploads/). */
  async start(signal?: AbortSignal): Promise<UploadLocation> {
    const url = `${this.repositoryUrl}/blobs/uploads/`;
    const response = await this.session.send({ method: "POST", url, ...(signal ? { signal } : {}) });
    if (response.status !== 202) throw await errorFromResponse(response);
    return nextLocation(response, url);
  }

  /** Abandons an upload session (DELETE); one the registry no longer knows is gone already. */
  async cancel(upload: UploadLocation, signal?: AbortSignal): Promise<void> {
    const response = await this.session.send({ method: "DELETE", url: upload.url, ...(signal ? { signal } : {}) });
    if (response.status === 404 || (response.status >= 200 && response.status < 400)) return discard(response);
    throw await uploadError(response);
  }

  /** Uploads a blob and returns its descriptor (the digest of what was sent). */
  async upload(source: BlobSource, options: UploadOptions = {}): Promise<Descriptor> {
    const mode = options.mode ?? "stream";
    if (options.digest !== undefined && digestProblem(options.digest) !== undefined)
      throw new RegistryError(`invalid digest ${JSON.stringify(options.digest)}: ${digestProblem(options.digest)}`);
    if (mode === "monolithic" && options.digest === undefined) throw new RegistryError("a monolithic upload needs the digest beforehand");
    let started = options.started;
    const attempt = async () => {
      const upload = started ?? (await this.start(options.signal));
      started = undefined;
      const sent = mode === "monolithic" ? await this.sendMonolithic(upload, source, options) : await this.sendPatches(upload, source, options, mode);
      return { mediaType: options.mediaType ?? MediaType.dockerLayer, digest: sent.digest, size: sent.size };
    };
    return withRetries(attempt, {
      transfer: "upload",
      secondMs: this.secondMs,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  private async sendPatches(
    upload: UploadLocation,
    source: BlobSource,
    options: UploadOptions,
    mode: "stream" | "chunked",
  ): Promise<{ digest: string; size: number }> {
    const counted = new CountedSource(source, options);
    let location = upload;
    if (mode === "stream") {
      location = await this.patch(location, counted.stream(), {}, options.signal);
    } else {
      for await (const chunk of chunksOf(counted.stream(), options.chunkSize ?? DEFAULT_CHUNK_SIZE)) {
        const start = counted.sent - chunk.length;
        const headers = {
          "content-range": `${start}-${counted.sent - 1}`,
          "content-length": String(chunk.length),
          "content-type": "application/octet-stream",
        };
        location = await this.patch(location, chunk, headers, options.signal);
      }
    }
    const digest = counted.digest();
    if (options.digest !== undefined && digest !== options.digest) {
      await this.cancel(location, options.signal).catch(() => undefined);
      throw new RegistryError(`the content sent hashes to ${digest}, not to ${options.digest}`);
    }
    await this.commit(location, digest, undefined, {}, options.signal);
    return { digest, size: counted.sent };
  }

  private async sendMonolithic(upload: UploadLocation, source: BlobSource, options: UploadOptions): Promise<{ digest: string; size: number }> {
    const counted = new CountedSource(source, options);
    const headers = { "content-type": "application/octet-stream", ...(options.size !== undefined ? { "content-length": String(options.size) } : {}) };
    await this.commit(upload, options.digest!, counted.stream(), headers, options.signal);
    return { digest: options.digest!, size: counted.sent };
  }

  private async patch(
    upload: UploadLocation,
    body: Uint8Array | AsyncIterable<Uint8Array>,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<UploadLocation> {
    const response = await this.session.send({ method: "PATCH", url: upload.url, headers, body, ...(signal ? { signal } : {}) });
    if (response.status < 200 || response.status > 399) throw await uploadError(response);
    return nextLocation(response, upload.url);
  }

  /** The closing PUT …?digest=, with the body of a monolithic upload. */
  private async commit(
    upload: UploadLocation,
    digest: string,
    body: AsyncIterable<Uint8Array> | undefined,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const url = new URL(upload.url);
    url.searchParams.set("digest", digest);
    const response = await this.session.send({ method: "PUT", url: url.href, headers, ...(body ? { body } : {}), ...(signal ? { signal } : {}) });
    if (response.status < 200 || response.status > 399) throw await uploadError(response);
    discard(response);
  }
}

/** Counts and hashes a source's bytes as they are read. */
class CountedSource {
  sent = 0;
  private readonly hash = createHash("sha256");

  constructor(
    private readonly source: BlobSource,
    private readonly options: UploadOptions,
  ) {}

  async *stream(): AsyncGenerator<Uint8Array> {
    for await (const chunk of this.source()) {
      this.sent += chunk.length;
      this.hash.update(chunk);
      this.options.onProgress?.(this.sent, this.options.size);
      yield chunk;
    }
  }

  digest(): string {
    return `sha256:${this.hash.digest("hex")}`;
  }
}

/** A stream regrouped into pieces of exactly `size` bytes (the last one shorter). */
async function* chunksOf(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    length += chunk.length;
    while (length >= size) {
      const all = Buffer.concat(pending);
      yield all.subarray(0, size);
      pending = [all.subarray(size)];
      length -= size;
    }
  }
  if (length > 0) yield Buffer.concat(pending);
}

function nextLocation(response: HttpResponse, requestUrl: string): UploadLocation {
  discard(response);
  return { url: new URL(response.header("location") ?? "", requestUrl).href };
}

/** An upload's error answer; 404 is distribution's ErrBlobUploadUnknown. */
async function uploadError(response: HttpResponse): Promise<RegistryError> {
  if (response.status !== 404) return errorFromResponse(response);
  discard(response);
  return new RegistryError("blob upload unknown", { retryable: true });
}
