import { createHash } from "node:crypto";

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** True for "sha256:<64 lowercase hex>". */
export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** "sha256:<hex>" of the given bytes. */
export function sha256Digest(data: string | Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** The hex part of a "sha256:<hex>" digest (the form used as directory names). */
export function digestHex(digest: string): string {
  if (!isDigest(digest)) throw new Error(`invalid digest "${digest}": expected sha256:<64 hex>`);
  return digest.slice("sha256:".length);
}

/**
 * The OCI chainID of a layer: its diffID for a base layer, else
 * sha256 of "<parent chainID> <diffID>" (the two digest strings joined by one space).
 */
export function chainId(parentChainId: string, diffId: string): string {
  return parentChainId === "" ? diffId : sha256Digest(`${parentChainId} ${diffId}`);
}

/** The chainID of every prefix of a diffID list, base first; [] for no layers. */
export function chainIds(diffIds: readonly string[]): string[] {
  const result: string[] = [];
  for (const diffId of diffIds) result.push(chainId(result.at(-1) ?? "", diffId));
  return result;
}
