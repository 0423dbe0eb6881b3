/** Content digests as go-digest validates and verifies them (sha256, sha384, sha512). */
import { createHash, type Hash } from "node:crypto";

const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** go-digest's Validate: undefined when valid, else its error text. */
export function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(":");
  if (colon <= 0 || colon + 1 === digest.length) return "invalid checksum digest format";
  const length = HEX_LENGTH[digest.slice(0, colon)];
  if (length === undefined) return DIGEST_GRAMMAR.test(digest) ? "unsupported digest algorithm" : "invalid checksum digest format";
  const hex = digest.slice(colon + 1);
  if (hex.length !== length) return "invalid checksum digest length";
  return /^[a-f0-9]+$/.test(hex) ? undefined : "invalid checksum digest format";
}

/** Hashes bytes as they pass and says whether they make up the expected digest (a go-digest Verifier). */
export class DigestVerifier {
  private readonly hash: Hash;

  /** `digest` must be valid (see digestProblem). */
  constructor(readonly digest: string) {
    this.hash = createHash(digest.slice(0, digest.indexOf(":")));
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }

  /** True when everything passed to update() hashes to the digest. Call once, at the end. */
  verified(): boolean {
    const algorithm = this.digest.slice(0, this.digest.indexOf(":"));
    return `${algorithm}:${this.hash.digest("hex")}` === this.digest;
  }
}

/** True when `bytes` hash to `digest`. */
export function matchesDigest(bytes: Uint8Array, digest: string): boolean {
  const verifier = new DigestVerifier(digest);
  verifier.update(bytes);
  return verifier.verified();
}
