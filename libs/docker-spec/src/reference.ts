/**
 * Docker image references as github.com/distribution/reference parses and prints them:
 * `ubuntu` → `docker.io/library/ubuntu`, `localhost:5000/a/b:t`, `name@sha256:…`, with Docker's
 * error texts. Pure functions, no I/O.
 *
 * Not the npm port @swimlane/docker-reference: its messages differ from Docker's (e.g. the 64-hex
 * rejection lacks a space and uppercase errors lack the "invalid reference format:" prefix), and it has
 * no familiar-form printing.
 */

const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const OFFICIAL_REPOSITORY = "library";
const NAME_TOTAL_LENGTH_MAX = 255;
export const DEFAULT_TAG = "latest";

// The grammar of distribution/reference (regexp.go), composed the same way.
const alphanumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const ipv6Address = "\\[(?:[a-fA-F0-9:]+)\\]";
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const domainAndPort = `(?:${domainName}|${ipv6Address})(?::[0-9]+)?`;
const tagPattern = "[\\w][\\w.-]{0,127}";
const digestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePattern = `(?:${domainAndPort}/)?${remoteName}`;

const REFERENCE = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const ANCHORED_NAME = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const ANCHORED_TAG = new RegExp(`^${tagPattern}$`);
const ANCHORED_IDENTIFIER = /^[a-f0-9]{64}$/;

/** A parsed, normalised reference. `domain`/`path` are set for named references only. */
export interface Reference {
  /** "docker.io", "localhost:5000", ... ; "" for a bare digest (an image ID). */
  readonly domain: string;
  /** "library/ubuntu"; "" for a bare digest. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** A reference error, with distribution/reference's message. */
export class InvalidReferenceError extends Error {
  override name = "InvalidReferenceError";
}

/** The fully qualified repository name, "docker.io/library/ubuntu". */
export function fullName(ref: Reference): string {
  return ref.domain === "" ? ref.path : `${ref.domain}/${ref.path}`;
}

/** True when the reference has a repository name (not just a digest). */
export function isNamed(ref: Reference): boolean {
  return ref.path !== "";
}

/**
 * Parses a reference in the canonical (fully qualified) form, as reference.Parse does:
 * "docker.io/library/ubuntu:22.04" parses, "Ubuntu" fails with "repository name must be lowercase".
 */
export function parseReference(s: string): Reference {
  const match = REFERENCE.exec(s);
  if (!match) {
    if (s === "") throw new InvalidReferenceError("repository name must have at least one component");
    if (REFERENCE.test(s.toLowerCase())) throw new InvalidReferenceError("repository name must be lowercase");
    throw new InvalidReferenceError("invalid reference format");
  }
  const [, name = "", tag, digest] = match;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (digest !== undefined) validateDigest(digest);
  const parts = ANCHORED_NAME.exec(name)!;
  return withOptional({ domain: parts[1] ?? "", path: parts[2]! }, tag, digest);
}

/**
 * Parses what a user typed, as reference.ParseNormalizedNamed does: adds docker.io and library/
 * where Docker would, rejects 64-hex names and uppercase repository names with Docker's messages.
 */
export function parseNormalizedNamed(s: string): Reference {
  if (ANCHORED_IDENTIFIER.test(s)) {
    throw new InvalidReferenceError(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(":");
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw new InvalidReferenceError("invalid reference format: repository name must be lowercase");
  }
  const ref = parseReference(`${domain}/${remainder}`);
  if (!isNamed(ref)) throw new InvalidReferenceError(`reference ${s} has no name`);
  return ref;
}

/**
 * Parses a reference or an image ID, as reference.ParseAnyReference does: a bare 64-hex string or a
 * "sha256:<hex>" digest is an ID (no name); anything else is a normalised named reference.
 */
export function parseAnyReference(s: string): Reference {
  if (ANCHORED_IDENTIFIER.test(s)) return { domain: "", path: "", digest: `sha256:${s}` };
  const digest = tryDigest(s);
  if (digest) return { domain: "", path: "", digest };
  return parseNormalizedNamed(s);
}

/** Adds ":latest" to a name without tag or digest (reference.TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  return isNamed(ref) && ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** The reference with a new tag (reference.WithTag); the tag must match Docker's tag grammar. */
export function withTag(ref: Reference, tag: string): Reference {
  if (!ANCHORED_TAG.test(tag)) throw new InvalidReferenceError("invalid tag format");
  return { domain: ref.domain, path: ref.path, tag };
}

/** The name as users see it: "ubuntu", "foo/bar", "localhost:5000/a/b" (reference.FamiliarName). */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return fullName(ref);
  const prefix = `${OFFICIAL_REPOSITORY}/`;
  const rest = ref.path.slice(prefix.length);
  return ref.path.startsWith(prefix) && !rest.includes("/") ? rest : ref.path;
}

/** "ubuntu:22.04", "golden@sha256:…", or the bare digest for an ID (reference.FamiliarString). */
export function familiarString(ref: Reference): string {
  const name = isNamed(ref) ? familiarName(ref) : "";
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `${name ? "@" : ""}${ref.digest}` : ""}`;
}

/** "docker.io/library/ubuntu:22.04" (reference.String). */
export function referenceString(ref: Reference): string {
  const name = fullName(ref);
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `${name ? "@" : ""}${ref.digest}` : ""}`;
}

function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf("/");
  let domain = DEFAULT_DOMAIN;
  let remainder = name;
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (/[.:]/.test(first) || first === "localhost" || first.toLowerCase() !== first) {
      domain = first;
      remainder = name.slice(slash + 1);
    }
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes("/")) remainder = `${OFFICIAL_REPOSITORY}/${remainder}`;
  return [domain, remainder];
}

// go-digest's rules for the algorithms Docker knows; anything else is "unsupported digest algorithm".
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function validateDigest(digest: string): void {
  const colon = digest.indexOf(":");
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) throw new InvalidReferenceError("unsupported digest algorithm");
  if (hex.length !== length) throw new InvalidReferenceError("invalid checksum digest length");
  if (!/^[a-f0-9]+$/.test(hex)) throw new InvalidReferenceError("invalid checksum digest format");
}

const ANCHORED_DIGEST = new RegExp(`^${digestPattern}$`);

function tryDigest(s: string): string | undefined {
  try {
    if (!ANCHORED_DIGEST.test(s)) return undefined;
    validateDigest(s);
    return s;
  } catch {
    return undefined;
  }
}

function withOptional(base: { domain: string; path: string }, tag?: string, digest?: string): Reference {
  return { ...base, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}
