import { describe, expect, it } from "vitest";
import { parseImageConfig } from "./image-config.js";
import { ImageIndex } from "./image-index.js";

const config = parseImageConfig(Buffer.from('{"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}}'));
const record = (id: string) => ({ id, configBytes: Buffer.alloc(0), config });

describe("ImageIndex.searchPrefix", () => {
  const index = new ImageIndex();
  index.add(record(`sha256:abc1${"0".repeat(60)}`));
  index.add(record(`sha256:abc2${"0".repeat(60)}`));

  it("finds a unique prefix with or without sha256:", () => {
    expect((index.searchPrefix("abc1") as { id: string }).id).toBe(`sha256:abc1${"0".repeat(60)}`);
    expect((index.searchPrefix("sha256:abc2") as { id: string }).id).toBe(`sha256:abc2${"0".repeat(60)}`);
  });

  it("says when a prefix is ambiguous and ignores what is not hex", () => {
    expect(index.searchPrefix("abc")).toBe("ambiguous");
    expect(index.searchPrefix("sha256:ab")).toBe("ambiguous");
    expect(index.searchPrefix("golden")).toBeUndefined();
    expect(index.searchPrefix("abc3")).toBeUndefined();
  });
});

describe("parseImageConfig", () => {
  it("rejects configs dockerd's image store would refuse", () => {
    expect(() => parseImageConfig(Buffer.from("[]"))).toThrow("not a JSON object");
    expect(() => parseImageConfig(Buffer.from('{"rootfs":{"type":"x"}}'))).toThrow('no rootfs of type "layers"');
    expect(() => parseImageConfig(Buffer.from('{"rootfs":{"type":"layers","diff_ids":["nope"]}}'))).toThrow("not a list of sha256 digests");
    expect(() => parseImageConfig(Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]},"history":[{"created_by":"x"}]}'))).toThrow(
      "too many non-empty layers in History section",
    );
  });
});
