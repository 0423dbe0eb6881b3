import { join } from "node:path";
import { digestHex } from "@slipway/docker-spec";

/** Every path layer-store owns under a data root, named as dockerd names them. */
export class StoreLayout {
  /** overlay2/: one directory per layer (read-only, init and mount layers). */
  readonly overlayHome: string;
  /** overlay2/l/: short symlinks to each layer's diff/, which keep overlay mount data small. */
  readonly linkDir: string;
  /** image/overlay2/layerdb/. */
  readonly layerdb: string;
  /** layerdb/sha256/: one directory per read-only layer, named by chainID hex. */
  readonly layerdbSha256: string;
  /** layerdb/tmp/: write-sets being built and records being removed; never read by dockerd. */
  readonly layerdbTmp: string;
  /** layerdb/mounts/: one directory per container RW layer. */
  readonly layerdbMounts: string;
  /** layerdb/holders/: who holds each read-only layer (Slipway's own; dockerd ignores it). */
  readonly layerdbHolders: string;
  /** volumes/: local volumes, volumes/<name>/_data. */
  readonly volumes: string;

  /**
   * @param dockerdDataRoot the data root's path as the dockerd that adopts it sees it, when that differs
   * from ours (a container's mount): a volume's mountpoint is recorded in config.v2.json, and dockerd
   * resolves it when it starts the container.
   */
  constructor(
    readonly dataRoot: string,
    private readonly dockerdDataRoot = dataRoot,
  ) {
    this.overlayHome = join(dataRoot, "overlay2");
    this.linkDir = join(this.overlayHome, "l");
    this.layerdb = join(dataRoot, "image", "overlay2", "layerdb");
    this.layerdbSha256 = join(this.layerdb, "sha256");
    this.layerdbTmp = join(this.layerdb, "tmp");
    this.layerdbMounts = join(this.layerdb, "mounts");
    this.layerdbHolders = join(this.layerdb, "holders");
    this.volumes = join(dataRoot, "volumes");
  }

  /** overlay2/<id>/ for a cache-id, mount-id or init-id. */
  layerDir(id: string): string {
    return join(this.overlayHome, id);
  }

  diffDir(id: string): string {
    return join(this.overlayHome, id, "diff");
  }

  /** overlay2/l/<link id>. */
  linkPath(linkId: string): string {
    return join(this.linkDir, linkId);
  }

  /** layerdb/sha256/<chainID hex>/. */
  layerRecordDir(chainId: string): string {
    return join(this.layerdbSha256, digestHex(chainId));
  }

  /** layerdb/holders/<chainID hex>. */
  holdersFile(chainId: string): string {
    return join(this.layerdbHolders, digestHex(chainId));
  }

  /** layerdb/mounts/<container id>/. */
  mountRecordDir(containerId: string): string {
    return join(this.layerdbMounts, containerId);
  }

  /** volumes/<name>/_data as dockerd names it (see the constructor). */
  volumeMountpoint(name: string): string {
    return join(this.dockerdDataRoot, "volumes", name, "_data");
  }

  /** volumes/<name>/. */
  volumeDir(name: string): string {
    return join(this.volumes, name);
  }
}
