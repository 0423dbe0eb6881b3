import { parseNormalizedNamed, familiarName } from "@slipway/docker-spec";
import { invalidArgument } from "@slipway/errors";
import type { CallContext } from "@slipway/grpc-kit";
import { summaryOf, type ImageSummaryRow } from "./documents.js";
import { unixSeconds } from "./image-config.js";
import type { ImageService } from "./image-service.js";

const KNOWN_FILTERS = new Set(["reference", "dangling", "label", "before", "since"]);

/** `docker images` with dockerd's filters (reference globs, dangling, label, before, since); newest first. */
export async function listImages(service: ImageService, filters: Record<string, string[]>, ctx?: CallContext): Promise<ImageSummaryRow[]> {
  for (const key of Object.keys(filters)) {
    if (!KNOWN_FILTERS.has(key)) throw invalidArgument(`Invalid filter '${key}'`);
  }
  const dangling = danglingFilter(filters.dangling ?? []);
  const before = timeBound(service, filters.before ?? []);
  const since = timeBound(service, filters.since ?? []);
  const rows: ImageSummaryRow[] = [];
  for (const image of service.images.all()) {
    const created = unixSeconds(image.config.created);
    if (before !== undefined && created >= before) continue;
    if (since !== undefined && created <= since) continue;
    if (!matchesLabels(image.config.labels, filters.label ?? [])) continue;
    const row = restrictToReferences(summaryOf(await service.describe(image, ctx)), filters.reference ?? []);
    if (!row) continue;
    const isDangling = row.repoTags.length === 0 && row.repoDigests.length === 0;
    if (dangling !== undefined && dangling !== isDangling) continue;
    rows.push(row);
  }
  return rows.sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1));
}

function danglingFilter(values: string[]): boolean | undefined {
  if (values.length === 0) return undefined;
  const value = values[0]!.toLowerCase();
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw invalidArgument(`Invalid filter 'dangling=${values[0]}'`);
}

function timeBound(service: ImageService, refs: string[]): number | undefined {
  if (refs.length === 0) return undefined;
  return unixSeconds(service.find(refs[0]!).config.created);
}

function matchesLabels(labels: Record<string, string>, wanted: string[]): boolean {
  return wanted.every((w) => {
    const eq = w.indexOf("=");
    return eq < 0 ? w in labels : labels[w.slice(0, eq)] === w.slice(eq + 1);
  });
}

/** With reference patterns, keep only the matching references; an image with none is dropped. */
function restrictToReferences(row: ImageSummaryRow, patterns: string[]): ImageSummaryRow | undefined {
  if (patterns.length === 0) return row;
  const keep = (ref: string) => patterns.some((p) => familiarMatch(p, ref));
  const repoTags = row.repoTags.filter(keep);
  const repoDigests = row.repoDigests.filter(keep);
  return repoTags.length + repoDigests.length > 0 ? { ...row, repoTags, repoDigests } : undefined;
}

/** reference.FamiliarMatch: the glob against the familiar string, then against the familiar name. */
function familiarMatch(pattern: string, familiar: string): boolean {
  const glob = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, "[^/]*")
      .replace(/\?/g, "[^/]")}$`,
  );
  return glob.test(familiar) || glob.test(familiarName(parseNormalizedNamed(familiar)));
}
