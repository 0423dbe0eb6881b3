import { failedPrecondition } from "@slipway/errors";
import { familiarName, familiarString, parseNormalizedNamed, referenceString, withDefaultTag, type Reference } from "@slipway/docker-spec";
import type { Repositories } from "../storage/repositories-file.js";

/**
 * Tags and digest references → image IDs, with dockerd's reference-store rules (refstore/store.go):
 * keys are familiar forms, a reference with tag and digest is stored by digest only, tags move,
 * digest references never do. Callers persist `snapshot()` after each change.
 */
export class ReferenceStore {
  private readonly byName = new Map<string, Map<string, string>>();

  constructor(initial: Repositories = {}) {
    for (const [name, refs] of Object.entries(initial)) this.byName.set(name, new Map(Object.entries(refs)));
  }

  /** The image a reference points at (a name alone means :latest). */
  get(ref: Reference): string | undefined {
    const key = storedForm(ref);
    return this.byName.get(familiarName(key))?.get(familiarString(key));
  }

  /**
   * Points a reference at an image. Tags move (the previous image, if any, is returned);
   * a digest reference pointing elsewhere is a conflict.
   */
  add(ref: Reference, id: string): { previous?: string } {
    const key = storedForm(ref);
    const name = familiarName(key);
    const refs = this.byName.get(name) ?? new Map<string, string>();
    const previous = refs.get(familiarString(key));
    if (previous === id) return {};
    if (previous !== undefined && key.digest !== undefined) {
      throw failedPrecondition(`Cannot overwrite digest ${key.digest}`);
    }
    refs.set(familiarString(key), id);
    this.byName.set(name, refs);
    return previous === undefined ? {} : { previous };
  }

  /** Removes a reference; returns whether it existed. */
  delete(ref: Reference): boolean {
    const key = storedForm(ref);
    const name = familiarName(key);
    const refs = this.byName.get(name);
    const removed = refs?.delete(familiarString(key)) ?? false;
    if (refs && refs.size === 0) this.byName.delete(name);
    return removed;
  }

  /**
   * Every reference to an image, tags and digests, in dockerd's order: by the full reference string
   * ("docker.io/library/golden:1"), so "abc/x:1" < "aaa:1" < "zeta/x:1" < "localhost:5000/x:1".
   */
  references(id: string): Reference[] {
    const result: Reference[] = [];
    for (const refs of this.byName.values()) for (const [ref, target] of refs) if (target === id) result.push(parseNormalizedNamed(ref));
    const keyed = result.map((ref) => ({ ref, key: referenceString(ref) }));
    return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ ref }) => ref);
  }

  /** Every (reference, image) pair under one repository name. */
  referencesByName(ref: Reference): { ref: Reference; id: string }[] {
    const refs = this.byName.get(familiarName(ref));
    return refs ? [...refs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, id]) => ({ ref: parseNormalizedNamed(r), id })) : [];
  }

  /** Drops every reference to an image; returns them. */
  deleteAll(id: string): Reference[] {
    const refs = this.references(id);
    for (const ref of refs) this.delete(ref);
    return refs;
  }

  /** What repositories.json holds. */
  snapshot(): Repositories {
    const result: Repositories = {};
    for (const [name, refs] of this.byName) result[name] = Object.fromEntries(refs);
    return result;
  }
}

/** A reference as the store keys it: :latest added to a bare name, name@digest when both are given. */
function storedForm(ref: Reference): Reference {
  if (ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return withDefaultTag(ref);
}
