import { describe, expect, it } from "vitest";
import { parseImageConfig } from "./image-config.js";
import { requestedPlatform, requirePlatform } from "./platform.js";

const amd64 = {
  id: `sha256:${"a".repeat(64)}`,
  configBytes: Buffer.alloc(0),
  config: parseImageConfig(Buffer.from('{"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}}')),
};

describe("requirePlatform", () => {
  it("accepts the image's own platform, and any platform when none is asked for", () => {
    expect(() => requirePlatform(amd64, "golden:1", requestedPlatform("linux/amd64"))).not.toThrow();
    expect(() => requirePlatform(amd64, "golden:1", undefined)).not.toThrow();
  });

  it("answers another platform with dockerd's NOT_FOUND text, naming the reference as given", () => {
    expect(() => requirePlatform(amd64, "golden:1", requestedPlatform("linux/arm64"))).toThrow(
      expect.objectContaining({
        kind: "not_found",
        message: "image with reference golden:1 was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64",
      }),
    );
  });

  it("refuses a malformed platform as INVALID_ARGUMENT with containerd's text", () => {
    expect(() => requestedPlatform("plan10")).toThrow(
      expect.objectContaining({ kind: "invalid_argument", message: '"plan10": unknown operating system or architecture: invalid argument' }),
    );
  });
});
