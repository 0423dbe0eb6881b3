import { randomBytes } from "node:crypto";

const ALL_DIGITS = /^\d{12}$/;

/**
 * A 64-hex random ID as dockerd generates for containers, mount layers, cache dirs and volumes.
 * Regenerated when the first 12 characters are all digits, since the short ID becomes the
 * hostname and an all-numeric hostname breaks resolvers (moby#3869).
 */
export function generateRandomId(): string {
  for (;;) {
    const id = randomBytes(32).toString("hex");
    if (!ALL_DIGITS.test(id.slice(0, 12))) return id;
  }
}

/** The 12-character short form; drops an "algorithm:" prefix first ("sha256:abc…" → "abc…"). */
export function truncateId(id: string): string {
  const colon = id.indexOf(":");
  return (colon >= 0 ? id.slice(colon + 1) : id).slice(0, 12);
}

const HEX64 = /^[a-f0-9]{64}$/;

/** True for a full 64-hex ID. */
export function isFullId(value: string): boolean {
  return HEX64.test(value);
}
