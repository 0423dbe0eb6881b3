import { sha256Digest } from "@slipway/docker-spec";
import { CONSTRUCTOR_OF_KIND, invalidArgument, SlipwayError } from "@slipway/errors";
import type { CallContext } from "@slipway/grpc-kit";
import { normalizeArchivePath, type ArchiveSpool, type EntryConsumer } from "../archive/spool.js";
import { isObject } from "./go-json.js";
import { parseImageConfig, type ImageConfig } from "./image-config.js";
import { withProgress, type LoadEvent } from "./load-events.js";
import type { LayerInfo, LayerStore } from "./ports.js";

/** One docker-save image whose manifest entry and config were read before its layers. */
interface Tracker {
  readonly id: string;
  readonly config: ImageConfig;
  readonly paths: readonly (string | undefined)[];
  /** Index of the next layer that can be registered (the one whose parent is registered). */
  next: number;
  parent: string;
}

/** What the direct path needs from the service. */
export interface DirectRegistrationDeps {
  readonly layers: LayerStore;
  readonly holderOf: (imageId: string) => string;
  readonly emit: (event: LoadEvent) => void;
  /** Archive path → chainID of the layer registered from it (shared with the rest of the load). */
  readonly chainOfPath: Map<string, string>;
  readonly ctx?: CallContext;
}

/**
 * Registers docker-save layers while the archive streams in, when the member order allows it:
 * manifest.json and the image config came first and the layers follow in chain order. Anything
 * else is spooled and registered after the end of the archive. Checks done here are repeated in
 * full by the plan built at the end; this only decides what can go straight through.
 */
export class DirectRegistration {
  private items: unknown[] | undefined;
  private readonly trackers = new Map<number, Tracker>();
  /** Layers registered so far, "<image id> <index>" → layer. */
  readonly registered = new Map<string, LayerInfo>();
  /** Image ID → chainIDs registered for it, base first (for rollback). */
  readonly taken = new Map<string, string[]>();

  constructor(private readonly deps: DirectRegistrationDeps) {}

  claim = async (path: string, size: number, spool: ArchiveSpool): Promise<EntryConsumer | undefined> => {
    for (const tracker of await this.trackersOf(spool)) {
      if (tracker.paths[tracker.next] !== path) continue;
      return (content) => this.register(tracker, path, content, size);
    }
    return undefined;
  };

  private async register(tracker: Tracker, path: string, content: AsyncIterable<Buffer>, size: number): Promise<void> {
    const index = tracker.next;
    const diffId = tracker.config.diffIds[index]!;
    const { layers, holderOf, emit, ctx } = this.deps;
    const info = await layers.register(tracker.parent, diffId, holderOf(tracker.id), withProgress(content, diffId, size, emit), ctx).catch((err) => {
      throw err instanceof SlipwayError ? CONSTRUCTOR_OF_KIND[err.kind](`layer ${path} of image ${tracker.id}: ${err.message}`) : err;
    });
    this.taken.set(tracker.id, [...(this.taken.get(tracker.id) ?? []), info.chainId]);
    if (info.diffId !== diffId || info.chainId !== tracker.config.chainIds[index]) {
      throw invalidArgument(`layer ${path} has diffID ${info.diffId} but the image config's rootfs.diff_ids[${index}] is ${diffId}`);
    }
    this.registered.set(`${tracker.id} ${index}`, info);
    this.deps.chainOfPath.set(path, info.chainId);
    tracker.parent = info.chainId;
    tracker.next++;
  }

  /** Trackers for every manifest entry whose config has been read; built as configs arrive. */
  private async trackersOf(spool: ArchiveSpool): Promise<Tracker[]> {
    this.items ??= await readManifest(spool);
    for (const [i, item] of (this.items ?? []).entries()) {
      if (this.trackers.has(i) || !isObject(item) || typeof item.Config !== "string" || !Array.isArray(item.Layers)) continue;
      const configFile = spool.resolve(item.Config);
      if (!configFile) continue;
      try {
        const configBytes = await spool.readSmall(configFile);
        const config = parseImageConfig(configBytes);
        if (config.diffIds.length !== item.Layers.length) continue;
        const paths = item.Layers.map((p) => (typeof p === "string" ? normalizeArchivePath(p) : undefined));
        this.trackers.set(i, { id: sha256Digest(configBytes), config, paths, next: 0, parent: "" });
      } catch {
        continue; // the plan at the end reports what is wrong with it
      }
    }
    return [...this.trackers.values()];
  }
}

async function readManifest(spool: ArchiveSpool): Promise<unknown[] | undefined> {
  const file = spool.resolve("manifest.json");
  if (!file) return undefined;
  try {
    const doc: unknown = JSON.parse((await spool.readSmall(file)).toString("utf8"));
    return Array.isArray(doc) ? doc : [];
  } catch {
    return [];
  }
}
