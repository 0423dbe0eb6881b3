import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { BatchFlush, FsBatch, type FlushRoundObserver, fsyncDir, readSmallFiles, readSmallFileSync, removeTree, setMode } from "@slipway/durable-fs";

const TEMP_PREFIX = ".tmp-";
const REMOVING_PREFIX = ".removing-";

/** The two files of a container record, exactly as stored. */
export interface StoredFiles {
  configV2: string;
  hostConfig: string;
}

/** A directory in containers/ that recovery could not load, and why. */
export interface SkippedEntry {
  name: string;
  reason: string;
}

/**
 * containers/ on disk, in dockerd's layout and modes: containers/ 0710, <id>/ 0710, config.v2.json 0600,
 * hostconfig.json 0644, checkpoints/ 0700. A record is built in containers/.tmp-<id> and renamed into
 * place, so it is complete or absent; dockerd never loads a dot-dir as a container (its ID would not match).
 */
export class ContainerStorage {
  /**
   * Group commit: a record's files, and then its rename, are written and made durable by syncfs(2) of the
   * data root's filesystem in rounds shared by concurrent writes (BatchFlush); each write is acknowledged
   * only after the flushes that cover it. One syncfs of a filesystem costs about what one fsync costs, a
   * record would need five fsyncs (files and directories), and concurrent commits share each round.
   */
  private readonly flush: BatchFlush;

  constructor(
    readonly root: string,
    observeRound?: FlushRoundObserver,
  ) {
    this.flush = new BatchFlush(root, { observeRound });
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await setMode(this.root, 0o710);
  }

  /**
   * The directory and files are made in the thread pool (FsBatch), where a dozen metadata syscalls on the
   * main thread would stall every other call the process serves; what an interrupted write left goes first.
   */
  async write(id: string, files: StoredFiles): Promise<void> {
    const temp = join(this.root, `${TEMP_PREFIX}${id}`);
    const batch = new FsBatch();
    batch.removeTree(temp);
    // The modes are exact: the app runs with umask 0, as dockerd does (main.ts), and none of them has a
    // group or other write bit that a usual umask would take away.
    batch.mkdir(temp, 0o710);
    batch.mkdir(join(temp, "checkpoints"), 0o700);
    batch.writeFile(join(temp, "config.v2.json"), files.configV2, 0o600);
    batch.writeFile(join(temp, "hostconfig.json"), files.hostConfig, 0o644);
    await this.flush.publish(batch, temp, join(this.root, id));
  }

  /**
   * Replaces config.v2.json in two rounds of the same group commit as the records': the new file written
   * beside containers/<id>/ as containers/.tmp-<id>-config.v2.json (recovery sweeps it) and made durable,
   * then renamed over the old one, durably. After a crash the record holds the old file or the new one,
   * whole. hostconfig.json stays: what dockerd rewrites there after a rename is the same bytes.
   */
  async replaceConfigV2(id: string, configV2: string): Promise<void> {
    const temp = join(this.root, `${TEMP_PREFIX}${id}-config.v2.json`);
    const write = new FsBatch();
    write.removeTree(temp);
    write.writeFile(temp, configV2, 0o600);
    const rename = new FsBatch();
    rename.rename(temp, join(this.root, id, "config.v2.json"));
    try {
      await this.flush.write(write);
      await this.flush.write(rename);
    } catch (err) {
      await removeTree(temp);
      throw err;
    }
  }

  /** Reads on the main thread: two small files cost less than the thread-pool round trips of async reads. */
  read(id: string): StoredFiles {
    const dir = join(this.root, id);
    return { configV2: readSmallFileSync(join(dir, "config.v2.json")), hostConfig: readSmallFileSync(join(dir, "hostconfig.json")) };
  }

  /**
   * Renames the record out of sight first (one atomic step, durable once its directory is flushed: a shared
   * round's syncfs would also write out every other removal's dirty metadata), then deletes it; one
   * thread-pool job for the three.
   */
  async remove(id: string): Promise<void> {
    const removing = join(this.root, `${REMOVING_PREFIX}${id}`);
    const batch = new FsBatch();
    batch.renameDurably(join(this.root, id), removing);
    batch.removeTree(removing);
    await batch.apply();
  }

  /** Deletes what an interrupted write or remove left (.tmp-*, .removing-*); returns their names. */
  async sweepLeftovers(): Promise<string[]> {
    const names = (await readdir(this.root)).filter((n) => n.startsWith(TEMP_PREFIX) || n.startsWith(REMOVING_PREFIX));
    await Promise.all(names.map((n) => rm(join(this.root, n), { recursive: true, force: true })));
    if (names.length > 0) await fsyncDir(this.root);
    return names;
  }

  async listIds(): Promise<string[]> {
    return (await readdir(this.root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  }

  /**
   * Reads many records at once (start-up recovery; see readSmallFiles): each as its files, or the error
   * that made one unreadable.
   */
  async readMany(ids: readonly string[]): Promise<(StoredFiles | Error)[]> {
    const texts = await readSmallFiles(ids.flatMap((id) => [join(this.root, id, "config.v2.json"), join(this.root, id, "hostconfig.json")]));
    return ids.map((_, i) => {
      const [configV2, hostConfig] = [texts[2 * i]!, texts[2 * i + 1]!];
      if (typeof configV2 !== "string") return configV2;
      if (typeof hostConfig !== "string") return hostConfig;
      return { configV2, hostConfig };
    });
  }
}
