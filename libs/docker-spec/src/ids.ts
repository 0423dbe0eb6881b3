import { randomFillSync } from "node:crypto";

const ALL_DIGITS = /^\d{12}$/;

/**
 * A 64-hex random ID as dockerd generates for containers, mount layers, cache dirs and volumes.
 * Regenerated when the first 12 characters are all digits, since the short ID becomes the
 * hostname and an all-numeric hostname breaks resolvers (moby#3869).
 */
export function generateRandomId(): string {
  for (;;) {
    const id = takeRandomBytes(32).toString("hex");
    if (!ALL_DIGITS.test(id.slice(0, 12))) return id;
  }
}

/**
 * Random bytes from a pool refilled 4 KiB at a time (as crypto.randomUUID does): OpenSSL checks for a fork
 * with a getpid(2) on every call, and a create makes half a dozen IDs.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** `size` random bytes (at most 4 KiB), valid until the next call: copy what must be kept. */
export function takeRandomBytes(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += size;
  return pool.subarray(poolOffset - size, poolOffset);
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
