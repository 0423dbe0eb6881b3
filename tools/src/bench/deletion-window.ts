import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { basename } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { log } from "./log.js";
import { flushFilesystems } from "./phases/creates.js";

/**
 * How long ext4 without a journal keeps skipping a freed inode: 60 s once its inode table block is written
 * (RECENTCY_MIN in fs/ext4/ialloc.c), plus a margin. The bench flushes before it waits, so no block stays dirty
 * (which would make it 6 minutes).
 */
const WINDOW_MS = 65_000;

/**
 * The bench's own deletions, and the wait after them that keeps them out of the next timed phase. On ext4
 * without a journal, allocating an inode skips one by one every inode of its group freed in the last minute
 * (`recently_deleted`): right after 20,000 files are deleted, creating a file took ~820 µs instead of ~27 µs
 * on the benchmark VM (docs/benchmarks.md). Whichever engine came next after a deletion paid it, so the bench
 * deletes between phases, not between engines, and waits the window out before each phase that creates files.
 * On any other file system (a journal, or not ext4) nothing waits.
 */
export class DeletionWindow {
  private lastDeletion: number;
  private readonly applies: boolean;

  /** `path`: where the data roots are. The window starts open: a previous run may just have deleted its own. */
  constructor(path: string) {
    this.applies = isExt4WithoutJournal(path);
    this.lastDeletion = Date.now();
  }

  /** Describes the window for the record of the machine. */
  get description(): string {
    return this.applies ? "ext4 without a journal: timed phases start a minute after the bench's last deletion" : "no wait after deletions";
  }

  /** The bench just deleted images, containers or data roots. */
  deleted(): void {
    this.lastDeletion = Date.now();
  }

  /** Flushes, then waits until the last deletion is out of the window. */
  async settle(): Promise<void> {
    flushFilesystems();
    const wait = this.lastDeletion + WINDOW_MS - Date.now();
    if (!this.applies || wait <= 0) return;
    log(`waiting ${Math.ceil(wait / 1000)} s: ext4 without a journal still skips the inodes freed in the last minute (by this run or one before it)`);
    await sleep(wait);
  }
}

/** ext4 with no jbd2 journal for its device (jbd2 lists each journal as <device>-<inode>). */
function isExt4WithoutJournal(path: string): boolean {
  try {
    const [source, fstype] = execFileSync("findmnt", ["-no", "SOURCE,FSTYPE", "-T", path], { encoding: "utf8" }).trim().split(/\s+/);
    if (fstype !== "ext4" || source === undefined) return false;
    const device = basename(source);
    const journals = existsSync("/proc/fs/jbd2") ? readdirSync("/proc/fs/jbd2") : [];
    return !journals.some((journal) => journal.startsWith(`${device}-`));
  } catch {
    return false;
  }
}
