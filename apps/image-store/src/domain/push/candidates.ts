/**
 * Which registry blobs a layer may already be, as dockerd 20.10's pusher picks them from the v2 metadata
 * (distribution/push_v2.go): the HMAC that ties an entry to the credentials that wrote it, the order of
 * preference (same credentials first, then the most path components in common with the target, newest
 * first), the existence checks in the target repository and the cross-repository mount sources.
 * Pure: no I/O.
 */
import { createHash, createHmac } from "node:crypto";
import { goJson, parseNormalizedNamed, referenceString, type Reference } from "@slipway/docker-spec";
import type { AuthConfig } from "@slipway/registry-client";
import type { V2Metadata } from "../../storage/distribution-metadata.js";

/** How hard to look before uploading, by the layer's size (getMaxMountAndExistenceCheckAttempts). */
export interface LookupLimits {
  readonly mountAttempts: number;
  readonly existenceChecks: number;
  /** Whether the existence checks may use digests recorded for other repositories. */
  readonly checkOtherRepositories: boolean;
}

const SMALL_LAYER_MAX = 100 * 1024;
const MIDDLE_LAYER_MAX = 10 * 1024 * 1024;

/** The smaller the layer, the fewer requests are worth making before simply uploading it. */
export function lookupLimits(layerSize: number): LookupLimits {
  if (layerSize > MIDDLE_LAYER_MAX) return { mountAttempts: 4, existenceChecks: 3, checkOtherRepositories: true };
  if (layerSize > SMALL_LAYER_MAX) return { mountAttempts: 3, existenceChecks: 1, checkOtherRepositories: false };
  return { mountAttempts: 1, existenceChecks: 1, checkOtherRepositories: false };
}

/**
 * The key a push tags its metadata with (ComputeV2MetadataHMACKey): the digest of the credentials as Go
 * marshals them. Anonymous pushes have a key too (that of `{}`), as dockerd always gets an AuthConfig.
 */
export function hmacKey(auth: AuthConfig = {}): string {
  const input = {
    username: auth.username || undefined,
    password: auth.password || undefined,
    auth: auth.auth || undefined,
    identitytoken: auth.identitytoken || undefined,
    registrytoken: auth.registrytoken || undefined,
  };
  return `sha256:${createHash("sha256").update(goJson(input)).digest("hex")}`;
}

/** The entry's HMAC under `key` (ComputeV2MetadataHMAC). */
export function hmacOf(key: string, digest: string, sourceRepository: string): string {
  return createHmac("sha256", key).update(digest).update(sourceRepository).digest("hex");
}

/** True when the entry was written with the same credentials (CheckV2MetadataHMAC). */
export function hmacMatches(entry: V2Metadata, key: string): boolean {
  if (entry.hmac === "" || key === "") return entry.hmac === "" && key === "";
  return /^(?:[0-9a-fA-F]{2})+$/.test(entry.hmac) && entry.hmac.toLowerCase() === hmacOf(key, entry.digest, entry.sourceRepository);
}

/** The digests to HEAD in the target repository, best first, each with the entry it came from (layerAlreadyExists). */
export function existenceCandidates(
  entries: readonly V2Metadata[],
  target: string,
  key: string,
  options: { readonly checkOtherRepositories: boolean; readonly max: number; readonly checked: ReadonlySet<string> },
): V2Metadata[] {
  const eligible = entries.filter((e) => options.checkOtherRepositories || e.sourceRepository === "" || e.sourceRepository === target);
  const chosen: V2Metadata[] = [];
  for (const entry of byLikenessAndAge(eligible, target, key)) {
    if (chosen.length >= options.max) break;
    if (chosen.some((c) => c.digest === entry.digest) || options.checked.has(entry.digest)) continue;
    chosen.push(entry);
  }
  return chosen;
}

/** Other repositories of the target's registry to mount the blob from, best first (getRepositoryMountCandidates). */
export function mountCandidates(entries: readonly V2Metadata[], target: Reference, key: string, max: number): V2Metadata[] {
  const targetName = referenceString(target);
  const sameRegistry = entries.filter((e) => {
    const source = canonicalName(e.sourceRepository);
    return source !== undefined && source.domain === target.domain && e.sourceRepository !== targetName;
  });
  return byLikenessAndAge(sameRegistry, targetName, key).slice(0, max);
}

/** A repository name in canonical form ("docker.io/library/alpine", as reference.ParseNamed takes it), else undefined. */
export function canonicalName(name: string): Reference | undefined {
  try {
    const ref = parseNormalizedNamed(name);
    return referenceString(ref) === name ? ref : undefined;
  } catch {
    return undefined;
  }
}

/** Newest first, then (stably) the same credentials first, then the most leading path components in common. */
function byLikenessAndAge(entries: readonly V2Metadata[], target: string, key: string): V2Metadata[] {
  const targetComponents = target.split("/");
  const rank = (e: V2Metadata) => ({ sameKey: hmacMatches(e, key), common: commonPrefixLength(e.sourceRepository.split("/"), targetComponents) });
  return [...entries]
    .reverse()
    .map((entry) => ({ entry, ...rank(entry) }))
    .sort((a, b) => (a.sameKey !== b.sameKey ? (a.sameKey ? -1 : 1) : b.common - a.common))
    .map(({ entry }) => entry);
}

function commonPrefixLength(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
