import { expect, it } from "vitest";
import { requireFullDownload } from "./pull-stream.js";

const lines = (...statuses: string[]) => statuses.map((status) => `${JSON.stringify({ status, id: "1" })}\r\n`).join("");

it("accepts a pull that downloaded every layer", () => {
  const stream = lines(
    "Pulling from bench/big",
    "Pulling fs layer",
    "Download complete",
    "Pull complete",
    "Digest: sha256:ab",
    "Status: Downloaded newer image for r/bench/big:1",
  );
  expect(() => requireFullDownload(stream, "r/bench/big:1")).not.toThrow();
});

it("refuses a pull that found layers already present", () => {
  const stream = lines(
    "Pulling from bench/big",
    "Already exists",
    "Already exists",
    "Pull complete",
    "Status: Downloaded newer image for r/bench/big:1",
  );
  expect(() => requireFullDownload(stream, "r/bench/big:1")).toThrow(
    "pull of r/bench/big:1: 2 layers were already present, so the pull was not cold",
  );
});

it("refuses a pull of an image the engine already had", () => {
  const stream = lines("Pulling from bench/big", "Digest: sha256:ab", "Status: Image is up to date for r/bench/big:1");
  expect(() => requireFullDownload(stream, "r/bench/big:1")).toThrow(
    'did not download the image; it ended with "Status: Image is up to date for r/bench/big:1"',
  );
});
