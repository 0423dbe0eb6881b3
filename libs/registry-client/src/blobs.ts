/**
 * Blob downloads as dockerd 20.10 makes them, streamed: every byte is hashed on its way to the caller and
 * the stream fails at its end unless the whole blob matched its digest; a broken transfer resumes with a
 * Range request where it stopped (or skips what it already has when the registry ignores the Range),
 * after dockerd's retry countdown. Foreign layers come from the registry like any other.
 */
import { DigestVerifier, digestProblem, matchesDigest } from "./digests.js";
import { errorFromResponse } from "./error-response.js";
import { DigestMismatchError, RegistryError } from "./errors.js";
import { retryAfter, withBackoff, type RetryPolicy } from "./retry.js";
import type { Session } from "./session.js";
import { bodyError, discard, readBody, type HttpResponse } from "./transport.js";

/** What to download: a digest and, when the manifest gives one, the size (which the blob may not exceed). */
export interface BlobTarget {
  readonly digest: string;
  readonly size?: number;
}

export interface DownloadOptions {
  /** Bytes received so far and the blob's size when known, after every piece. */
  readonly onProgress?: (received: number, total: number | undefined) => void;
  /** dockerd's "Retrying in N seconds", once per second of each wait. */
  readonly onRetry?: (secondsLeft: number, error: RegistryError) => void;
  readonly signal?: AbortSignal;
}

export interface BlobTiming {
  /** One second of the retry countdown (1000). */
  readonly secondMs: number;
  /** The first pause between attempts at the image config (250, then doubling). */
  readonly configBackoffMs: number;
}

/** A pulled image config larger than this is refused rather than held in memory. */
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;

/** The error of a failed image config download: a mirror gives way to the next endpoint on it. */
export class ConfigPullError extends RegistryError {
  override name = "ConfigPullError";

  constructor(cause: RegistryError) {
    super(`error pulling image configuration: ${cause.message}`, { cause, category: cause.category });
  }
}

interface OpenedBlob {
  readonly response: HttpResponse;
  /** Bytes at the start of the body that were already received (a registry that ignored Range). */
  readonly skip: number;
  readonly total: number | undefined;
}

export class Blobs {
  constructor(
    private readonly session: Session,
    /** "https://host/v2/<repository path>". */
    private readonly repositoryUrl: string,
    private readonly timing: BlobTiming,
  ) {}

  /** The blob's URL in this repository. */
  url(digest: string): string {
    return `${this.repositoryUrl}/blobs/${digest}`;
  }

  /** HEAD: the blob's size and media type, or undefined when the repository does not have it. */
  async stat(digest: string, signal?: AbortSignal): Promise<{ size: number; mediaType: string } | undefined> {
    const response = await this.session.send({ method: "HEAD", url: this.url(digest), ...(signal ? { signal } : {}) });
    discard(response);
    if (response.status === 404) return undefined;
    if (response.status < 200 || response.status > 399) throw await errorFromResponse(response);
    const length = response.header("content-length");
    if (length === undefined) throw new RegistryError(`missing content-length header for request: ${this.url(digest)}`);
    return { size: Number(length), mediaType: response.header("content-type") ?? "" };
  }

  /**
   * The blob's bytes as they arrive. The iteration fails with a DigestMismatchError instead of ending
   * when the bytes do not make up the digest (or pass the declared size), so only a stream that ends
   * normally is the blob.
   */
  async *download(blob: BlobTarget, options: DownloadOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    const problem = digestProblem(blob.digest);
    if (problem !== undefined) throw new RegistryError(`invalid digest ${JSON.stringify(blob.digest)}: ${problem}`);
    const declared = blob.size !== undefined && blob.size > 0 ? blob.size : undefined;
    const verifier = new DigestVerifier(blob.digest);
    const policy: RetryPolicy = { transfer: "download", secondMs: this.timing.secondMs, ...pick(options) };
    let received = 0;
    for (let failures = 1; ; failures++) {
      let opened: OpenedBlob | undefined;
      try {
        opened = await this.open(blob.digest, received, options.signal);
        const total = declared ?? opened.total;
        let skip = opened.skip;
        for await (const chunk of bodyOf(opened.response)) {
          const piece = skip > 0 ? chunk.subarray(Math.min(skip, chunk.length)) : chunk;
          skip -= chunk.length - piece.length;
          if (piece.length === 0) continue;
          received += piece.length;
          if (declared !== undefined && received > declared) throw new DigestMismatchError("filesystem layer", blob.digest);
          verifier.update(piece);
          options.onProgress?.(received, total);
          yield piece;
        }
        break;
      } catch (err) {
        await retryAfter(err, failures, policy);
      } finally {
        opened?.response.body.destroy(); // also when the caller stops early
      }
    }
    if (!verifier.verified()) throw new DigestMismatchError("filesystem layer", blob.digest);
  }

  /**
   * The image config: read whole, retried as dockerd retries it, verified. Failures read
   * "error pulling image configuration: …" as in dockerd.
   */
  async readConfig(blob: BlobTarget, signal?: AbortSignal): Promise<Buffer> {
    try {
      const bytes = await withBackoff(() => this.readWhole(blob, signal), this.timing.configBackoffMs, signal);
      if (!matchesDigest(bytes, blob.digest)) throw new DigestMismatchError("image config", blob.digest);
      return bytes;
    } catch (err) {
      throw new ConfigPullError(err instanceof RegistryError ? err : new RegistryError(String(err)));
    }
  }

  private async readWhole(blob: BlobTarget, signal: AbortSignal | undefined): Promise<Buffer> {
    const { response } = await this.open(blob.digest, 0, signal);
    const limit = blob.size !== undefined && blob.size > 0 ? Math.min(blob.size, MAX_CONFIG_BYTES) : MAX_CONFIG_BYTES;
    const tooLarge = () =>
      limit === blob.size
        ? new DigestMismatchError("image config", blob.digest)
        : new RegistryError(`image config ${blob.digest} is larger than ${MAX_CONFIG_BYTES} bytes`);
    return readBody(response, limit, tooLarge);
  }

  private async open(digest: string, offset: number, signal: AbortSignal | undefined): Promise<OpenedBlob> {
    const headers: Record<string, string> = { "accept-encoding": "identity", ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) };
    const response = await this.session.send({ method: "GET", url: this.url(digest), headers, ...(signal ? { signal } : {}) });
    if (response.status === 404) {
      discard(response);
      throw new RegistryError("unknown blob"); // distribution's ErrBlobUnknown, never retried
    }
    if (response.status < 200 || response.status > 399) throw await errorFromResponse(response);
    const length = response.header("content-length");
    const total = length !== undefined && response.status === 200 ? Number(length) : undefined;
    if (offset === 0) return { response, skip: 0, total };
    if (response.status === 200) return { response, skip: offset, total };
    if (response.status !== 206) {
      discard(response);
      throw new RegistryError("expected HTTP 206 from byte range request", { retryable: true });
    }
    return { response, skip: 0, total: resumedTotal(response, offset) };
  }
}

/** The total size a 206 answer declares, after checking it starts where asked (Go's httpReadSeeker checks). */
function resumedTotal(response: HttpResponse, offset: number): number | undefined {
  const fail = (text: string) => {
    discard(response);
    return new RegistryError(text, { retryable: true });
  };
  const contentRange = response.header("content-range");
  if (contentRange === undefined) throw fail("no Content-Range header found in HTTP 206 response");
  const match = /bytes ([0-9]+)-([0-9]+)\/([0-9]+|\*)/.exec(contentRange);
  if (!match) throw fail(`could not parse Content-Range header: ${contentRange}`);
  if (Number(match[1]) !== offset) throw fail(`received Content-Range starting at offset ${match[1]} instead of requested ${offset}`);
  if (match[3] === "*") return undefined;
  if (Number(match[2]) + 1 !== Number(match[3])) throw fail(`range in Content-Range stops before the end of the content: ${contentRange}`);
  return Number(match[3]);
}

/** A body's chunks, with a broken connection reported in Go's words (and retried). */
async function* bodyOf(response: HttpResponse): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    throw bodyError(err);
  }
}

function pick(options: DownloadOptions): Pick<RetryPolicy, "onRetry" | "signal"> {
  return { ...(options.onRetry ? { onRetry: options.onRetry } : {}), ...(options.signal ? { signal: options.signal } : {}) };
}
