import { goJson, RawJson } from "@slipway/docker-spec";
import type { ContainerSummary, IndexEntry } from "./summary.js";

/**
 * A row of GET /containers/json as dockerd writes it (API 1.41: Go's `types.Container`, its key
 * order and escaping), as UTF-8 bytes. A row only changes with its record, its names or the image it
 * shows, so it is rendered once and kept with the entry until its names change (a rename or a link: the
 * name registry hands out a new names array then, so comparing arrays by identity is enough) or its image
 * reference stops or starts naming its image.
 */
export function listRowBytes(entry: IndexEntry, names: readonly string[], image: string): Buffer {
  if (entry.listRow?.names !== names || entry.listRow.image !== image)
    entry.listRow = { names, image, bytes: Buffer.from(listRowJson(entry, names, image)) };
  return entry.listRow.bytes;
}

/** `image`: what the row shows as Image (see resolved-images.ts). */
export function listRowJson(entry: IndexEntry, names: readonly string[], image: string): string {
  // The CLI prints each name without its first byte and crashes on "" (api/README.md #9).
  const shown = names.filter((n) => n !== "").map((n) => (n.startsWith("/") ? n : `/${n}`));
  return `{"Id":${goJson(entry.summary.id)},"Names":${goJson(shown)},${rowTail(entry.summary, image)}`;
}

function rowTail(c: ContainerSummary, image: string): string {
  const row = goJson({
    Image: image,
    ImageID: c.imageId,
    Command: c.command,
    Created: c.created,
    Ports: c.ports,
    Labels: c.labels,
    State: c.state,
    Status: c.status,
    HostConfig: { NetworkMode: c.networkMode },
    NetworkSettings: { Networks: new RawJson(c.networksJson || "{}") },
    Mounts: c.mounts.map((m) => ({
      Type: m.type,
      Name: m.name || undefined,
      Source: m.source,
      Destination: m.destination,
      Driver: m.driver || undefined,
      Mode: m.mode,
      RW: m.rw,
      Propagation: m.propagation,
    })),
  });
  return row.slice(1);
}
