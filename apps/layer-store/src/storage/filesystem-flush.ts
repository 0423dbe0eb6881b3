import { GroupFlush } from "@slipway/durable-fs";
import { syncFilesystem } from "@slipway/layer-tar";

/**
 * Makes everything written so far under the data root durable with one syncfs(2), shared by every
 * caller that asks while one runs (group commit): a create's dozen new files and directory entries
 * cost one flush instead of an fsync each, and concurrent creates share it. Two flushes may run at once
 * (a caller waits about one flush instead of one and a half: 8-client creates ~260 → ~310/s in probes).
 */
const FLUSHES_IN_FLIGHT = 2;

export class FilesystemFlush {
  private readonly group: GroupFlush<never>;

  constructor(dataRoot: string) {
    this.group = new GroupFlush<never>(() => syncFilesystem(dataRoot), FLUSHES_IN_FLIGHT);
  }

  request(): Promise<void> {
    return this.group.request();
  }
}
