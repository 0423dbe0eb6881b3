/**
 * One layer of a push as dockerd 20.10 decides it (v2PushDescriptor.Upload): known from an earlier tag of
 * this push; else a blob the v2 metadata names that the target repository has ("Layer already exists");
 * else a mount from another repository of the registry ("Mounted from x"); else the layer's tar, gzipped
 * as it is read, in one streamed upload ("Pushing", "Pushed"). What is found or sent is recorded in the
 * v2 metadata under the target repository, HMAC-tagged with the credentials, so the next push finds it.
 */
import { Readable, pipeline } from "node:stream";
import { createGzip } from "node:zlib";
import type { Reference } from "@slipway/docker-spec";
import { internal } from "@slipway/errors";
import {
  MediaType,
  RegistryResponseError,
  transferError,
  type Descriptor,
  type MountResult,
  type Repository,
  type UploadLocation,
} from "@slipway/registry-client";
import type { DistributionMetadata, V2Metadata } from "../../storage/distribution-metadata.js";
import type { Progress } from "../progress.js";
import { canonicalName, existenceCandidates, hmacMatches, hmacOf, lookupLimits, mountCandidates } from "./candidates.js";
import { withProgress } from "./progress-reader.js";

/** The repository pushed to, shared by every layer of every tag of one push. */
export interface PushTarget {
  readonly repository: Repository;
  /** The repository's name (no tag). */
  readonly ref: Reference;
  /** Its full name, "127.0.0.1:5000/x", as the v2 metadata records it. */
  readonly name: string;
  /** The credentials' HMAC key (see candidates.ts). */
  readonly hmacKey: string;
  /** Whether the push has credentials (a mount refused as unauthorized without them keeps its metadata). */
  readonly hasAuthInfo: boolean;
  readonly metadata: DistributionMetadata;
  /** Layers known to be in the repository, by diffID. */
  readonly remoteLayers: Map<string, Descriptor>;
}

export interface LayerToPush {
  readonly diffId: string;
  /** The layer store's size of the layer, the total of its "Pushing" bar. */
  readonly size: number;
  /** The layer's tar, afresh for each attempt. */
  readonly open: () => AsyncIterable<Buffer>;
}

type Mounted = Extract<MountResult, { mounted: true }>;

/** Reports one status of this layer. */
export type LayerStatus = (progress: Omit<Progress, "id">) => void;

export class LayerPush {
  /** Digests already looked for in the target repository. */
  private readonly checked = new Set<string>();

  constructor(
    private readonly target: PushTarget,
    private readonly layer: LayerToPush,
    private readonly say: LayerStatus,
    private readonly signal: AbortSignal,
  ) {}

  /** The layer's descriptor in the target repository. */
  async run(): Promise<Descriptor> {
    const known = this.target.remoteLayers.get(this.layer.diffId);
    if (known) {
      this.say({ status: "Layer already exists" });
      return known;
    }
    const limits = lookupLimits(this.layer.size);
    const entries = await this.target.metadata.v2Metadata(this.layer.diffId);
    const existing = await this.findExisting(entries, true, 1);
    if (existing) return existing;
    const mount = await this.tryMounts(entries, limits.mountAttempts);
    if (mount.mounted) return mount.descriptor;
    const checksLeft = limits.existenceChecks - this.checked.size;
    const found = checksLeft > 0 ? await this.findExisting(entries, limits.checkOtherRepositories, checksLeft) : undefined;
    if (found) {
      if (mount.upload) await this.target.repository.uploads.cancel(mount.upload, this.signal).catch(() => undefined);
      return found;
    }
    return this.upload(mount.upload);
  }

  /** HEADs the best recorded digests in the target repository (layerAlreadyExists). */
  private async findExisting(entries: readonly V2Metadata[], checkOtherRepositories: boolean, max: number): Promise<Descriptor | undefined> {
    const { name, hmacKey, repository, metadata } = this.target;
    for (const entry of existenceCandidates(entries, name, hmacKey, { checkOtherRepositories, max, checked: this.checked })) {
      this.checked.add(entry.digest);
      let stat: { size: number } | undefined;
      try {
        stat = await repository.blobs.stat(entry.digest, this.signal);
      } catch (err) {
        this.ignoreUnlessCancelled(err);
        continue;
      }
      if (stat === undefined) {
        if (entry.sourceRepository === name) await this.recording(() => metadata.remove(entry));
        continue;
      }
      if (entry.sourceRepository !== name || !hmacMatches(entry, hmacKey)) await this.record(entry.digest);
      this.say({ status: "Layer already exists" });
      return this.known({ mediaType: MediaType.dockerLayer, digest: entry.digest, size: stat.size });
    }
    return undefined;
  }

  /** Asks the registry to mount the blob from other repositories; a declined mount leaves an upload to reuse. */
  private async tryMounts(entries: readonly V2Metadata[], max: number): Promise<Mounted | { mounted: false; upload?: UploadLocation }> {
    const { ref, hmacKey, repository, metadata } = this.target;
    let upload: UploadLocation | undefined;
    for (const candidate of mountCandidates(entries, ref, hmacKey, max)) {
      const from = canonicalName(candidate.sourceRepository)!.path;
      let unauthorized = false;
      const result = await repository.uploads.mount(candidate.digest, from, this.signal).catch((err: unknown) => {
        unauthorized = isUnauthorized(err);
        return this.ignoreUnlessCancelled(err);
      });
      if (result?.mounted) {
        this.say({ status: `Mounted from ${from}` });
        await this.record(result.descriptor.digest);
        return { mounted: true, descriptor: this.known({ ...result.descriptor, mediaType: MediaType.dockerLayer }) };
      }
      // A mount that failed forgets the source, unless it was refused for want of credentials.
      if (!(unauthorized && !this.target.hasAuthInfo) && (hmacMatches(candidate, hmacKey) || candidate.hmac === "")) {
        await this.recording(() => metadata.remove(candidate));
      }
      if (result) {
        if (upload) await repository.uploads.cancel(upload, this.signal).catch(() => undefined);
        upload = result.upload;
      }
    }
    return { mounted: false, ...(upload ? { upload } : {}) };
  }

  /** Uploads the layer's tar, gzipped and hashed as it is read, in one streamed PATCH. */
  private async upload(started: UploadLocation | undefined): Promise<Descriptor> {
    const { size } = this.layer;
    const tar = () => withProgress(this.layer.open(), { size, report: (current) => this.say({ status: "Pushing", current, total: size }) });
    const descriptor = await this.target.repository.uploads
      .upload(() => gzipped(tar()), {
        mediaType: MediaType.dockerLayer,
        onRetry: (seconds) => this.say({ status: `Retrying in ${seconds} second${seconds === 1 ? "" : "s"}`, retryInSeconds: seconds }),
        signal: this.signal,
        ...(started ? { started } : {}),
      })
      .catch((err: unknown) => {
        throw transferError(err);
      });
    this.say({ status: "Pushed" });
    await this.record(descriptor.digest);
    return this.known(descriptor);
  }

  /** Records that the target repository has the layer as `digest` (TagAndAdd). */
  private record(digest: string): Promise<void> {
    const { name, hmacKey, metadata } = this.target;
    return this.recording(() => metadata.add(this.layer.diffId, { digest, sourceRepository: name, hmac: hmacOf(hmacKey, digest, name) }));
  }

  /** A metadata write; its failure ends the push without the data root's paths in the message. */
  private async recording(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      throw internal(`failed to record the registry metadata of layer ${this.layer.diffId}`, err);
    }
  }

  private known(descriptor: Descriptor): Descriptor {
    this.target.remoteLayers.set(this.layer.diffId, descriptor);
    return descriptor;
  }

  /** dockerd only logs failed existence checks and mounts; a cancelled push still stops. */
  private ignoreUnlessCancelled(err: unknown): undefined {
    if (this.signal.aborted) throw err;
    return undefined;
  }
}

function isUnauthorized(err: unknown): boolean {
  return err instanceof RegistryResponseError && err.errors.some((entry) => entry.code === "UNAUTHORIZED");
}

/** The bytes gzipped as dockerd's push compresses a layer (gzip's default level). */
function gzipped(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  return pipeline(Readable.from(source), createGzip(), () => undefined);
}
