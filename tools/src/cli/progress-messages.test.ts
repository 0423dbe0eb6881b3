import { PassThrough } from "node:stream";
import type { imagestore } from "@slipway/proto";
import { describe, expect, it } from "vitest";
import { terminalScreen } from "../../test/support/terminal-screen.js";
import { ProgressMessageDisplay } from "./progress-messages.js";

/** A pull of two layers as image-store streams it, the second layer slower. */
const PULL: Partial<imagestore.ProgressMessage>[] = [
  { id: "1", status: "Pulling from sample" },
  { id: "3f1c2b8a9d0e", status: "Pulling fs layer" },
  { id: "7a6b5c4d3e2f", status: "Pulling fs layer" },
  { id: "3f1c2b8a9d0e", status: "Downloading", current: 1024, total: 2048 },
  { id: "7a6b5c4d3e2f", status: "Downloading", current: 1441792, total: 1996800 },
  { id: "3f1c2b8a9d0e", status: "Verifying Checksum" },
  { id: "3f1c2b8a9d0e", status: "Download complete" },
  { id: "3f1c2b8a9d0e", status: "Extracting", current: 2048, total: 2048 },
  { id: "3f1c2b8a9d0e", status: "Pull complete" },
  { id: "7a6b5c4d3e2f", status: "Retrying", retryInSeconds: 5 },
  { id: "7a6b5c4d3e2f", status: "Downloading", current: 1996800, total: 1996800 },
  { id: "", status: "Digest: sha256:3f1c" },
  { id: "", status: "Status: Downloaded newer image for 127.0.0.1:5000/sample:1" },
];

/** What the display writes for `messages` to a terminal `columns` wide, or to a pipe. */
function display(messages: Partial<imagestore.ProgressMessage>[], terminal?: { columns: number }): string {
  const out = Object.assign(new PassThrough(), terminal ? { isTTY: true, columns: terminal.columns } : {});
  let written = "";
  out.on("data", (chunk: Buffer) => (written += chunk.toString("utf8")));
  const shown = new ProgressMessageDisplay(out);
  for (const message of messages) shown.show({ id: "", status: "", current: 0, total: 0, ...message });
  return written;
}

describe("a pull's or push's progress on a terminal", () => {
  it("keeps one line per layer, redrawn in place with its bar, as docker pull draws it", () => {
    const bar = `[${"=".repeat(50)}>]  1.997MB/1.997MB`;
    expect(terminalScreen(display(PULL, { columns: 120 }))).toEqual([
      "1: Pulling from sample",
      "3f1c2b8a9d0e: Pull complete",
      `7a6b5c4d3e2f: Downloading ${bar}`,
      "Digest: sha256:3f1c",
      "Status: Downloaded newer image for 127.0.0.1:5000/sample:1",
      "",
    ]);
  });

  it("goes up to the layer's line, erases it, writes it and comes back down", () => {
    const written = display(PULL.slice(0, 5), { columns: 120 });
    const update = `\x1b[1A\x1b[2K\r7a6b5c4d3e2f: Downloading [${"=".repeat(36)}>${" ".repeat(14)}]  1.442MB/1.997MB\r\x1b[1B`;
    expect(written.endsWith(update)).toBe(true);
  });

  it("shows the counts without the bar on a terminal of 110 columns or less, as the docker CLI does", () => {
    expect(terminalScreen(display(PULL.slice(0, 5), { columns: 80 }))[2]).toBe("7a6b5c4d3e2f: Downloading  1.442MB/1.997MB");
  });

  it("starts new lines after a line about the whole image rather than redrawing the layers above it", () => {
    const push: Partial<imagestore.ProgressMessage>[] = [
      { id: "", status: "The push refers to repository [127.0.0.1:5000/sample]" },
      { id: "3f1c2b8a9d0e", status: "Preparing" },
      { id: "3f1c2b8a9d0e", status: "Pushed" },
      { id: "", status: "1: digest: sha256:3f1c size: 737" },
      { pushResult: { tag: "1", digest: "sha256:3f1c", size: 737 } },
      { id: "", status: "The push refers to repository [127.0.0.1:5000/sample]" },
      { id: "3f1c2b8a9d0e", status: "Layer already exists" },
    ];
    expect(terminalScreen(display(push, { columns: 120 }))).toEqual([
      "The push refers to repository [127.0.0.1:5000/sample]",
      "3f1c2b8a9d0e: Pushed",
      "1: digest: sha256:3f1c size: 737",
      "The push refers to repository [127.0.0.1:5000/sample]",
      "3f1c2b8a9d0e: Layer already exists",
      "",
    ]);
  });
});

describe("a pull's or push's progress anywhere else", () => {
  it("prints one line per status, without the byte counts' lines, as docker pull does into a pipe", () => {
    expect(display(PULL)).toBe(
      [
        "1: Pulling from sample",
        "3f1c2b8a9d0e: Pulling fs layer",
        "7a6b5c4d3e2f: Pulling fs layer",
        "3f1c2b8a9d0e: Verifying Checksum",
        "3f1c2b8a9d0e: Download complete",
        "3f1c2b8a9d0e: Pull complete",
        "7a6b5c4d3e2f: Retrying in 5 seconds",
        "Digest: sha256:3f1c",
        "Status: Downloaded newer image for 127.0.0.1:5000/sample:1",
        "",
      ].join("\n"),
    );
  });
});
