import { describe, expect, it } from "vitest";
import { isLayerAction, progressBar, retryStatus } from "./json-message.js";

describe("progressBar (JSONProgress.String), byte for byte as dockerd sent it for golden.tar", () => {
  it("draws the 50-wide bar with the padded counts", () => {
    expect(progressBar(1441792, 1996800)).toBe(`[${"=".repeat(36)}>${" ".repeat(14)}]  1.442MB/1.997MB`);
    expect(progressBar(2048, 2048)).toBe(`[${"=".repeat(50)}>]  2.048kB/2.048kB`);
  });
  it("shows only the count when the total is unknown or exceeded", () => {
    expect(progressBar(0, 0)).toBe("");
    expect(progressBar(2048, 0)).toBe(" 2.048kB");
    expect(progressBar(4096, 2048)).toBe(`[${"=".repeat(50)}>]  4.096kB`);
  });
  it("leaves the bar out on a terminal of 110 columns or less, as the docker CLI does", () => {
    expect(progressBar(1441792, 1996800, 111)).toBe(`[${"=".repeat(36)}>${" ".repeat(14)}]  1.442MB/1.997MB`);
    expect(progressBar(1441792, 1996800, 110)).toBe(" 1.442MB/1.997MB");
    expect(progressBar(1441792, 1996800, 80)).toBe(" 1.442MB/1.997MB");
  });
});

describe("isLayerAction: the statuses dockerd sends with a progressDetail", () => {
  it("knows a layer's actions, with or without byte counts", () => {
    for (const status of ["Pulling fs layer", "Waiting", "Download complete", "Pull complete", "Already exists", "Preparing", "Pushed"]) {
      expect(isLayerAction(status, 0, 0)).toBe(true);
    }
    expect(isLayerAction("Downloading", 32768, 1996800)).toBe(true);
    expect(isLayerAction(retryStatus(5), 0, 0)).toBe(true);
    expect(isLayerAction("Mounted from library/alpine", 0, 0)).toBe(true);
  });
  it("tells them from the lines about the whole image", () => {
    for (const status of ["Pulling from x", "Digest: sha256:3f1c", "Status: Image is up to date for x:1", "1: digest: sha256:3f1c size: 737"]) {
      expect(isLayerAction(status, 0, 0)).toBe(false);
    }
  });
});

describe("retryStatus", () => {
  it('words a retry as dockerd does: "Retrying in 1 second", "Retrying in 5 seconds"', () => {
    expect([1, 5].map(retryStatus)).toEqual(["Retrying in 1 second", "Retrying in 5 seconds"]);
  });
});
