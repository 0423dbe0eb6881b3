import { describe, expect, it } from "vitest";
import { parseReference } from "@slipway/docker-spec";
import { checkImageManifest, parseManifest, UnsupportedMediaTypeError, type ImageManifest } from "./manifest.js";
import { MediaType, isSupportedBlobType } from "./media-types.js";

const ref = parseReference("docker.io/library/old:1");
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const dockerManifest = {
  schemaVersion: 2,
  mediaType: MediaType.dockerManifest,
  config: { mediaType: MediaType.dockerConfig, size: 7, digest: digest("a") },
  layers: [{ mediaType: MediaType.dockerLayer, size: 9, digest: digest("b") }],
};

describe("parseManifest", () => {
  it("reads a Docker schema 2 manifest", () => {
    const manifest = parseManifest(`${MediaType.dockerManifest}; charset=utf-8`, json(dockerManifest), ref);
    expect(manifest).toEqual({ kind: "image", mediaType: MediaType.dockerManifest, config: dockerManifest.config, layers: dockerManifest.layers });
  });

  it("reads OCI manifests and indexes, with and without their mediaType field", () => {
    const oci = { schemaVersion: 2, config: { mediaType: MediaType.ociConfig, size: 1, digest: digest("c") }, layers: [] };
    expect(parseManifest(MediaType.ociManifest, json(oci), ref).kind).toBe("image");
    const index = {
      schemaVersion: 2,
      manifests: [
        { mediaType: MediaType.ociManifest, size: 3, digest: digest("d"), platform: { os: "linux", architecture: "amd64" }, annotations: { a: "b" } },
      ],
    };
    const parsed = parseManifest(MediaType.ociIndex, json(index), ref);
    expect(parsed).toEqual({ kind: "index", mediaType: MediaType.ociIndex, manifests: index.manifests });
  });

  it("takes the body's mediaType when the Content-Type names no manifest format", () => {
    expect(parseManifest("application/json", json(dockerManifest), ref).mediaType).toBe(MediaType.dockerManifest);
    const list = { schemaVersion: 2, mediaType: MediaType.dockerManifestList, manifests: [] };
    expect(parseManifest("", json(list), ref).kind).toBe("index");
  });

  it("refuses schema 1 with moby's message", () => {
    const message =
      "Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. Suggest the author of docker.io/library/old:1 to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. More information at https://docs.docker.com/go/deprecated-image-specs/";
    expect(() => parseManifest(MediaType.dockerSchema1Signed, json({ schemaVersion: 1, signatures: [] }), ref)).toThrow(message);
    expect(() => parseManifest("application/json", json({ schemaVersion: 1 }), ref)).toThrow(message);
  });

  it("checks the mediaType fields as distribution's decoders do", () => {
    expect(() => parseManifest(MediaType.dockerManifest, json({ ...dockerManifest, mediaType: undefined }), ref)).toThrow(
      `mediaType in manifest should be '${MediaType.dockerManifest}' not ''`,
    );
    expect(() => parseManifest(MediaType.dockerManifestList, json({ manifests: [] }), ref)).toThrow(
      `mediaType in manifest list should be '${MediaType.dockerManifestList}' not ''`,
    );
    expect(() => parseManifest(MediaType.ociManifest, json({ mediaType: "x", layers: [] }), ref)).toThrow(
      `if present, mediaType in manifest should be '${MediaType.ociManifest}' not 'x'`,
    );
    expect(() => parseManifest(MediaType.ociManifest, json({ manifests: [] }), ref)).toThrow("ocimanifest: expected manifest but found index");
    expect(() => parseManifest(MediaType.ociIndex, json({ layers: [] }), ref)).toThrow("index: expected index but found manifest");
    expect(() => parseManifest("text/plain", json({}), ref)).toThrow("unsupported manifest format");
  });

  it("refuses malformed JSON and descriptors", () => {
    expect(() => parseManifest(MediaType.dockerManifest, Buffer.from("{"), ref)).toThrow("unexpected end of JSON input");
    expect(() => parseManifest(MediaType.ociManifest, json({ layers: [{ digest: digest("a"), size: "9" }] }), ref)).toThrow(
      "layers[0].size is not a size",
    );
    expect(() => parseManifest(MediaType.ociManifest, json({ layers: {} }), ref)).toThrow("layers is not a list");
    expect(() => parseManifest(MediaType.ociIndex, json({ manifests: [7] }), ref)).toThrow("manifests[0] is not a descriptor");
  });
});

describe("checkImageManifest", () => {
  const image = (changes: Partial<ImageManifest>): ImageManifest => ({
    kind: "image",
    mediaType: MediaType.dockerManifest,
    config: dockerManifest.config,
    layers: dockerManifest.layers,
    ...changes,
  });

  it("accepts images, foreign layers and the odd config types old registries served", () => {
    expect(() => checkImageManifest(image({}))).not.toThrow();
    expect(() =>
      checkImageManifest(image({ layers: [{ mediaType: MediaType.dockerForeignLayer, size: 1, digest: digest("e"), urls: ["https://x"] }] })),
    ).not.toThrow();
    expect(() => checkImageManifest(image({ config: { ...dockerManifest.config, mediaType: "application/octet-stream" } }))).not.toThrow();
  });

  it("refuses plugins, artifacts and bad digests in dockerd's words", () => {
    expect(() => checkImageManifest(image({ config: { ...dockerManifest.config, mediaType: MediaType.pluginConfig } }))).toThrow(
      `Encountered remote "${MediaType.pluginConfig}"(plugin) when fetching`,
    );
    expect(() =>
      checkImageManifest(
        image({ mediaType: MediaType.ociManifest, config: { ...dockerManifest.config, mediaType: "application/vnd.cncf.helm.config.v1+json" } }),
      ),
    ).toThrow(new UnsupportedMediaTypeError("application/vnd.cncf.helm.config.v1+json"));
    expect(() =>
      checkImageManifest(image({ layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+zstd", size: 1, digest: "sha256:abc" }] })),
    ).toThrow('could not validate layer digest "sha256:abc": invalid checksum digest length');
    expect(() => checkImageManifest(image({ layers: [{ mediaType: "application/x-thing", size: 1, digest: digest("f") }] }))).toThrow(
      "unsupported media type application/x-thing",
    );
  });
});

describe("isSupportedBlobType", () => {
  it("matches dockerd's prefixes with a dot, not bare prefixes", () => {
    expect(isSupportedBlobType(MediaType.ociLayerZstd)).toBe(true);
    expect(isSupportedBlobType("application/vnd.docker.image.rootfs.diff.tar.gzip")).toBe(true);
    expect(isSupportedBlobType("")).toBe(true);
    expect(isSupportedBlobType("application/vnd.oci.images_are_fun")).toBe(false);
    expect(isSupportedBlobType("application/vnd.in-toto+json")).toBe(false);
  });
});
