import type { imagestore } from "@slipway/proto";
import { describe, expect, it } from "vitest";
import { progressLine } from "./progress-message.js";

const line = (message: Partial<imagestore.ProgressMessage>) => progressLine({ id: "", status: "", current: 0, total: 0, ...message });
const bar = (filled: number) => `[${"=".repeat(filled)}\\u003e${" ".repeat(50 - filled)}]`;

describe("progressLine: the JSON lines of dockerd 20.10's pulls and pushes, byte for byte", () => {
  it("writes a line about the whole image as status and id only (progress.Message)", () => {
    expect(line({ id: "1", status: "Pulling from x" })).toBe('{"status":"Pulling from x","id":"1"}\r\n');
    expect(line({ status: "Digest: sha256:3f1c" })).toBe('{"status":"Digest: sha256:3f1c"}\r\n');
    expect(line({ status: "Status: Downloaded newer image for 127.0.0.1:5000/x:1" })).toBe(
      '{"status":"Status: Downloaded newer image for 127.0.0.1:5000/x:1"}\r\n',
    );
    expect(line({ status: "The push refers to repository [127.0.0.1:5000/x]" })).toBe(
      '{"status":"The push refers to repository [127.0.0.1:5000/x]"}\r\n',
    );
  });

  it("gives a layer action without byte counts an empty progressDetail (progress.Update)", () => {
    for (const status of ["Pulling fs layer", "Waiting", "Verifying Checksum", "Download complete", "Pull complete", "Already exists"]) {
      expect(line({ id: "f6c3edee5c1a", status })).toBe(`{"status":"${status}","progressDetail":{},"id":"f6c3edee5c1a"}\r\n`);
    }
    for (const status of ["Preparing", "Pushed", "Layer already exists", "Mounted from library/alpine"]) {
      expect(line({ id: "f6c3edee5c1a", status })).toBe(`{"status":"${status}","progressDetail":{},"id":"f6c3edee5c1a"}\r\n`);
    }
  });

  it("renders the bar dockerd renders at its 200-column width, with go-units sizes", () => {
    expect(line({ id: "f6c3edee5c1a", status: "Downloading", current: 32768, total: 1996800 })).toBe(
      '{"status":"Downloading","progressDetail":{"current":32768,"total":1996800},' +
        `"progress":"${bar(0)}  32.77kB/1.997MB","id":"f6c3edee5c1a"}\r\n`,
    );
    expect(line({ id: "f6c3edee5c1a", status: "Extracting", current: 1996800, total: 1996800 })).toBe(
      '{"status":"Extracting","progressDetail":{"current":1996800,"total":1996800},' +
        `"progress":"${bar(50)}  1.997MB/1.997MB","id":"f6c3edee5c1a"}\r\n`,
    );
  });

  it("leaves zero counts out of progressDetail as Go's omitempty does, and shows the count alone without a total", () => {
    expect(line({ id: "f6c3edee5c1a", status: "Pushing", total: 2048 })).toBe(
      `{"status":"Pushing","progressDetail":{"total":2048},"progress":"${bar(0)}       0B/2.048kB","id":"f6c3edee5c1a"}\r\n`,
    );
    expect(line({ id: "f6c3edee5c1a", status: "Downloading", current: 2048 })).toBe(
      '{"status":"Downloading","progressDetail":{"current":2048},"progress":" 2.048kB","id":"f6c3edee5c1a"}\r\n',
    );
  });

  it('words a retry as dockerd does: "Retrying in 1 second", "Retrying in 5 seconds"', () => {
    expect(line({ id: "f6c3edee5c1a", status: "Retrying", retryInSeconds: 1 })).toBe(
      '{"status":"Retrying in 1 second","progressDetail":{},"id":"f6c3edee5c1a"}\r\n',
    );
    expect(line({ id: "f6c3edee5c1a", status: "Retrying", retryInSeconds: 5 })).toBe(
      '{"status":"Retrying in 5 seconds","progressDetail":{},"id":"f6c3edee5c1a"}\r\n',
    );
  });

  it("writes a pushed tag's result as dockerd's aux line", () => {
    const digest = "sha256:a91eeeef8a199d34cc96cb7d6944e0d49b1823bf70c1987d975f87b42e2059d1";
    expect(line({ pushResult: { tag: "1", digest, size: 737 } })).toBe(`{"progressDetail":{},"aux":{"Tag":"1","Digest":"${digest}","Size":737}}\r\n`);
  });
});
