import { expect, it } from "vitest";
import { blobBytes, pullImageShape } from "./registry-image.js";

it("counts the config's and every layer's compressed bytes of a manifest", () => {
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 1500, digest: "sha256:c" },
    layers: [
      { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 1_000_000, digest: "sha256:a" },
      { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 250, digest: "sha256:b" },
    ],
  };
  expect(blobBytes(manifest)).toEqual({ bytes: 1_001_750, layers: 2 });
});

it("refuses what is not an image manifest with sizes", () => {
  expect(() => blobBytes({ manifests: [{ size: 5 }] })).toThrow("not an image manifest with blob sizes");
  expect(() => blobBytes({ config: { size: 5 }, layers: [{ size: "5" }] })).toThrow("not an image manifest with blob sizes");
  expect(() => blobBytes(null)).toThrow("not an image manifest with blob sizes");
});

it("pulls an image of eight layers, small files in some and large ones in the others", () => {
  const shape = pullImageShape(500, 20000);
  expect(shape.smallFileLayers + shape.largeFileLayers).toBeGreaterThanOrEqual(8);
  expect(shape).toMatchObject({ totalMiB: 500, smallFiles: 20000 });
  expect(shape.smallFileLayers).toBeGreaterThan(0);
  expect(shape.largeFileLayers).toBeGreaterThan(0);
});
