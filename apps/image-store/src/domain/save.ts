import { familiarName, isNamed, withDefaultTag, type Reference } from "@slipway/docker-spec";
import { internal, notFound } from "@slipway/errors";
import type { CallContext } from "@slipway/grpc-kit";
import { saveArchive, type ImageToSave } from "../archive/save-archive.js";
import { parseUserReference, removeScratchIfEmpty, type ImageService } from "./image-service.js";

/**
 * `docker save`: resolves every name first (an unknown one fails before any byte is sent, with
 * dockerd's "reference does not exist"), then streams the archive.
 */
export function saveImages(service: ImageService, names: readonly string[], ctx?: CallContext): AsyncIterable<Buffer> {
  const selected = selectImages(service, names);
  const { scratch } = service.deps.paths;
  return (async function* () {
    try {
      yield* saveArchive(selected, (chainId) => service.deps.layers.export(chainId, ctx), scratch);
      for (const { image } of selected) service.deps.events.publish("save", image.id, image.id, image);
    } finally {
      await removeScratchIfEmpty(scratch);
    }
  })();
}

/** dockerd's tarexporter parseNames: IDs save untagged, a bare name saves all its tags, digests add no tag. */
function selectImages(service: ImageService, names: readonly string[]): ImageToSave[] {
  const chosen = new Map<string, { image: ImageToSave["image"]; tags: Reference[] }>();
  const add = (id: string, tag?: Reference) => {
    const image = service.images.get(id);
    if (!image) throw notFound(`No such image: ${id}`);
    const entry = chosen.get(id) ?? { image, tags: [] };
    chosen.set(id, entry);
    if (tag && tag.digest === undefined) {
      const tagged = withDefaultTag(tag);
      if (!entry.tags.some((t) => t.domain === tagged.domain && t.path === tagged.path && t.tag === tagged.tag)) entry.tags.push(tagged);
    }
  };
  for (const name of names) {
    const ref = parseUserReference(name);
    if (!isNamed(ref)) {
      add(ref.digest!);
    } else if (familiarName(ref) === "sha256" || (ref.tag === undefined && ref.digest === undefined)) {
      const byName = ref.tag === undefined ? service.refs.referencesByName(ref) : [];
      for (const { ref: tagged, id } of byName) add(id, tagged);
      if (byName.length === 0) {
        const image = service.images.searchPrefix(name);
        // dockerd's save passes its digest set's error through: a 500 with this text.
        if (image === "ambiguous") throw internal("ambiguous digest string");
        if (!image) throw notFound(`No such image: ${name}`);
        add(image.id);
      }
    } else {
      const id = service.refs.get(ref);
      if (id === undefined) throw notFound("reference does not exist");
      add(id, ref);
    }
  }
  return [...chosen.values()];
}
