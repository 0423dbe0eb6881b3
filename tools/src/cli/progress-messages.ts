import { isLayerAction, progressBar, retryStatus } from "@slipway/docker-spec";
import type { imagestore } from "@slipway/proto";
import type { CliContext } from "./context.js";

/**
 * A pull's or push's progress messages as the docker CLI prints them (jsonmessage.DisplayJSONMessagesStream).
 * On a terminal each layer keeps one line, "<id>: <status> [====>   ] 1.2MB/3.4MB", redrawn in place: the
 * cursor goes up to the layer's line, clears it, writes it and comes back down. Anywhere else, one line per
 * status, and the byte counts' lines are left out. A line about the whole image ("Digest: …") is printed as
 * is, and the layer lines above it are not redrawn again.
 */
export class ProgressMessageDisplay {
  /** On a terminal: the line of each layer drawn since the last line about the whole image, 0 the topmost. */
  private readonly layerLines = new Map<string, number>();

  constructor(private readonly out: CliContext["out"]) {}

  show(message: imagestore.ProgressMessage): void {
    // A pushed tag's result (dockerd's aux object) is for programs; its line was the message before it.
    if (message.pushResult) return;
    const { id, current, total } = message;
    const status = message.retryInSeconds === undefined ? message.status : retryStatus(message.retryInSeconds);
    const layer = id !== "" && isLayerAction(status, current, total);
    if (!layer) {
      this.layerLines.clear();
      this.out.write(`${id ? `${id}: ` : ""}${status}\n`);
    } else if (this.out.isTTY) {
      this.redraw(id, `${id}: ${status} ${progressBar(current, total, this.out.columns)}`);
    } else if (progressBar(current, total) === "") {
      this.out.write(`${id}: ${status}\n`);
    }
  }

  private redraw(id: string, text: string): void {
    let line = this.layerLines.get(id);
    if (line === undefined) {
      line = this.layerLines.size;
      this.layerLines.set(id, line);
      this.out.write("\n");
    }
    const up = this.layerLines.size - line;
    this.out.write(`\x1b[${up}A\x1b[2K\r${text}\r\x1b[${up}B`);
  }
}
