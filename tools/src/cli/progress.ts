import { progressBar, truncateId } from "@slipway/docker-spec";

/**
 * One line of `docker load` progress as the docker CLI draws it (jsonmessage JSONProgress):
 * `f6c3edee5c1a: Loading layer [=========>       ]  1.442MB/1.982MB`.
 */
export function progressLine(digest: string, current: number, total: number): string {
  return `${truncateId(digest)}: Loading layer ${progressBar(current, total)}`;
}

/** Redraws the current layer's line in place on a terminal; a new layer starts a new line. */
export class ProgressDisplay {
  private currentDigest: string | undefined;

  constructor(private readonly out: NodeJS.WritableStream) {}

  update(digest: string, current: number, total: number): void {
    if (this.currentDigest !== undefined && this.currentDigest !== digest) this.out.write("\n");
    this.currentDigest = digest;
    this.out.write(`\r${progressLine(digest, current, total)}\x1b[K`);
  }

  /** Ends the last progress line, before other output. */
  finish(): void {
    if (this.currentDigest !== undefined) this.out.write("\n");
    this.currentDigest = undefined;
  }
}
