import { notFound, unavailable } from "@slipway/errors";
import { createLogger } from "@slipway/grpc-kit";
import { imagestore, type containerconfig } from "@slipway/proto";
import { describe, expect, it } from "vitest";
import { ListedImages } from "./listed-images.js";

/** What each reference names now; a reference missing here names no image; "down:*" finds image-store away. */
const NAMES: Record<string, string> = { "golden:1": "sha256:aa", golden: "sha256:aa", "other:2": "sha256:bb" };

function listedImagesOver(references: containerconfig.ImageReference[]) {
  const resolved: string[] = [];
  const images = {
    version: "images-7",
    resolve: async (reference: string) => {
      resolved.push(reference);
      if (reference.startsWith("down:")) throw unavailable("image-store is unavailable");
      const imageId = NAMES[reference];
      if (!imageId) throw notFound(`No such image: ${reference}`);
      return imagestore.ResolveImageResponse.create({ imageId });
    },
  };
  const containers = {
    listImageReferences: async () => ({ references }),
    getListVersion: async () => ({ listVersion: "records-3" }),
  } as unknown as ConstructorParameters<typeof ListedImages>[0];
  return { listed: new ListedImages(containers, images, createLogger("orchestrator", "silent")), resolved };
}

const query = (filters: Record<string, string[]> = {}): containerconfig.ListContainersRequest => ({
  filters: Object.fromEntries(Object.entries(filters).map(([key, values]) => [key, { values }])),
  all: true,
  limit: 0,
});

describe("the images a container list shows and filters by", () => {
  it("marks stale the references that name another image or none (refreshImage), never an image ID or one it cannot check", async () => {
    const pairs = [
      { reference: "golden:1", imageId: "sha256:aa" },
      { reference: "golden:1", imageId: "sha256:old" },
      { reference: "gone:1", imageId: "sha256:cc" },
      { reference: "sha256:dd", imageId: "sha256:dd" },
      { reference: "down:1", imageId: "sha256:ee" },
    ];
    const { listed, resolved } = listedImagesOver(pairs);
    const { resolvedImages } = await listed.queryFor(query({ label: ["a=b"] }), {});
    expect(resolvedImages).toEqual({ staleReferences: [pairs[1], pairs[2]], ancestorImageIds: undefined });
    expect(resolved).not.toContain("sha256:dd");
  });

  it("resolves the ancestor filter to the image IDs its values name now, an unknown one naming nothing", async () => {
    const { listed } = listedImagesOver([]);
    const ids = async (values: string[]) => (await listed.queryFor(query({ ancestor: values }), {})).resolvedImages?.ancestorImageIds;
    expect(await ids(["golden:1", "golden", "other:2"])).toEqual({ values: ["sha256:aa", "sha256:bb"] });
    expect(await ids(["gone:1", "down:1"])).toEqual({ values: [] });
    expect(await ids([])).toEqual({ values: [] });
  });

  it("keeps the caller's query but for the resolution, which it replaces", async () => {
    const { listed } = listedImagesOver([]);
    const asked = { ...query({ name: ["x"] }), resolvedImages: { staleReferences: [{ reference: "a", imageId: "sha256:aa" }] } };
    expect(await listed.queryFor(asked, {})).toEqual({
      ...query({ name: ["x"] }),
      resolvedImages: { staleReferences: [], ancestorImageIds: undefined },
    });
  });

  it("versions lists by container-config's records and the image changes together", async () => {
    expect(await listedImagesOver([]).listed.listVersion({})).toBe("records-3/images-7");
  });
});
