import { describe, expect, it } from "vitest";
import { sha256Digest } from "@slipway/docker-spec";
import { schema2Manifest } from "./manifest-builder.js";
import { parseManifest } from "./manifest.js";
import { MediaType } from "./media-types.js";

const config = { mediaType: "application/octet-stream", digest: sha256Digest("config"), size: 1469 };
const layer = { mediaType: MediaType.dockerLayer, digest: sha256Digest("layer"), size: 2811478 };

describe("schema2Manifest", () => {
  it("writes the bytes dockerd 20.10 pushes: three-space indent, mediaType/size/digest, the config's media type", () => {
    const bytes = schema2Manifest(config, [layer]);
    expect(bytes.toString()).toBe(
      [
        "{",
        '   "schemaVersion": 2,',
        `   "mediaType": "${MediaType.dockerManifest}",`,
        '   "config": {',
        `      "mediaType": "${MediaType.dockerConfig}",`,
        '      "size": 1469,',
        `      "digest": "${config.digest}"`,
        "   },",
        '   "layers": [',
        "      {",
        `         "mediaType": "${MediaType.dockerLayer}",`,
        '         "size": 2811478,',
        `         "digest": "${layer.digest}"`,
        "      }",
        "   ]",
        "}",
      ].join("\n"),
    );
  });

  it("keeps the layers in the order given and reads back as the manifest it describes", () => {
    const other = { ...layer, digest: sha256Digest("other"), size: 32 };
    const manifest = parseManifest(MediaType.dockerManifest, schema2Manifest(config, [layer, other]), {
      domain: "127.0.0.1:5000",
      path: "x",
      tag: "1",
    });
    expect(manifest).toMatchObject({
      kind: "image",
      config: { mediaType: MediaType.dockerConfig, digest: config.digest, size: config.size },
      layers: [
        { digest: layer.digest, size: layer.size },
        { digest: other.digest, size: 32 },
      ],
    });
  });

  it("writes an image without layers with an empty list", () => {
    expect(JSON.parse(schema2Manifest(config, []).toString()).layers).toEqual([]);
  });
});
