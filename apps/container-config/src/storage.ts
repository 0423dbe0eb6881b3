import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir, GroupFlush, readSmallFiles, readSmallFileSync, setMode } from "@slipway/durable-fs";

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
   * Group commit: concurrent writes share one fsync round of their files and directories (fsyncDir
   * opens read-only and fsyncs, which works for files too) and one fsync of containers/ after their
   * renames; each write is acknowledged only after the flushes that cover it.
   */
  private readonly contentFlush = new GroupFlush<string>(async (paths) => void (await Promise.all(paths.map(fsyncDir))));
  private readonly rootFlush = new GroupFlush<never>(() => fsyncDir(this.root));

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await setMode(this.root, 0o710);
  }

  /**
   * The directory and files are made with synchronous calls: each is one short metadata syscall, far
   * cheaper than a round trip through libuv's thread pool; only the flushes wait there.
   */
  async write(id: string, files: StoredFiles): Promise<void> {
    const temp = join(this.root, `${TEMP_PREFIX}${id}`);
    rmSync(temp, { recursive: true, force: true });
    try {
      mkdirExact(temp, 0o710);
      mkdirExact(join(temp, "checkpoints"), 0o700);
      writeExact(join(temp, "config.v2.json"), files.configV2, 0o600);
      writeExact(join(temp, "hostconfig.json"), files.hostConfig, 0o644);
      await this.contentFlush.request([join(temp, "config.v2.json"), join(temp, "hostconfig.json"), join(temp, "checkpoints"), temp]);
      renameSync(temp, join(this.root, id));
    } catch (err) {
      rmSync(temp, { recursive: true, force: true });
      throw err;
    }
    await this.rootFlush.request();
  }

  /** Reads on the main thread: two small files cost less than the thread-pool round trips of async reads. */
  read(id: string): StoredFiles {
    const dir = join(this.root, id);
    return { configV2: readSmallFileSync(join(dir, "config.v2.json")), hostConfig: readSmallFileSync(join(dir, "hostconfig.json")) };
  }

  /**
   * Renames the record out of sight first (one atomic step, durable once the shared flush ran), then
   * deletes its few files on the main thread, which is cheaper than a pool round trip per entry.
   */
  async remove(id: string): Promise<void> {
    const removing = join(this.root, `${REMOVING_PREFIX}${id}`);
    renameSync(join(this.root, id), removing);
    await this.rootFlush.request();
    rmSync(removing, { recursive: true, force: true });
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

/** Makes a directory with an exact mode whatever the umask. */
function mkdirExact(path: string, mode: number): void {
  mkdirSync(path, mode);
  chmodSync(path, mode);
}

/** Writes a file with an exact mode whatever the umask; the caller fsyncs it (in a group flush). */
function writeExact(path: string, data: string, mode: number): void {
  writeFileSync(path, data, { mode });
  chmodSync(path, mode);
}
