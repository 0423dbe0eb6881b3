import { familiarString, truncateId, withDefaultTag, type Reference } from "@slipway/docker-spec";
import { failedPrecondition, notFound, SlipwayError, unavailable } from "@slipway/errors";
import type { CallContext } from "@slipway/grpc-kit";
import { parseUserName, type ImageService } from "./image-service.js";

/** One line of `docker rmi` output. */
export type DeleteItem = { readonly untagged: string } | { readonly deleted: string };

/**
 * dockerd's ImageDelete (daemon/images/image_delete.go, 20.10): a reference is untagged first and
 * the image goes with its last reference; an ID removes its single repository's references; in-use
 * and multi-repository images are conflicts unless forced. One change of the service (under its lock, published).
 */
export function removeImage(service: ImageService, refOrId: string, force: boolean, ctx?: CallContext): Promise<DeleteItem[]> {
  return service.change(() => removeWithinChange(service, refOrId, force, ctx));
}

/** removeImage for a caller already inside one of the service's changes (a prune removes many images in one). */
export function removeWithinChange(service: ImageService, refOrId: string, force: boolean, ctx?: CallContext): Promise<DeleteItem[]> {
  return new Removal(service, force, ctx).run(refOrId);
}

class Removal {
  private readonly records: DeleteItem[] = [];

  constructor(
    private readonly service: ImageService,
    private readonly force: boolean,
    private readonly ctx?: CallContext,
  ) {}

  async run(refOrId: string): Promise<DeleteItem[]> {
    const { id } = this.service.find(refOrId);
    const refs = this.service.refs;
    let repoRefs = refs.references(id);
    if (!isImageIdPrefix(id, refOrId)) {
      if (!this.force && isSingleReference(repoRefs)) {
        const user = (await this.containersUsing(id))[0];
        if (user !== undefined) {
          throw conflict(
            `conflict: unable to remove repository reference "${refOrId}" (must force) - container ${truncateId(user)} is using its referenced image ${truncateId(id)}`,
          );
        }
      }
      const parsed = withDefaultTag(parseUserName(refOrId));
      if (!refs.delete(parsed)) throw notFound("reference does not exist");
      this.untagged(id, parsed);
      repoRefs = this.dropOrphanDigests(parsed, refs.references(id));
      if (repoRefs.length > 0) {
        await this.service.saveReferences();
        return this.records;
      }
      return this.deleteImage(id, true);
    }
    if (isSingleReference(repoRefs)) {
      if (!this.force) await this.checkConflicts(id, false);
      for (const ref of repoRefs) {
        refs.delete(ref);
        this.untagged(id, ref);
      }
    }
    return this.deleteImage(id, false);
  }

  /** A reference removed, as `docker rmi` prints it and `docker events` reports it (named by the image ID, as dockerd does). */
  private untagged(id: string, ref: Reference): void {
    this.records.push({ untagged: familiarString(ref) });
    this.service.deps.events.publish("untag", id, id, this.service.images.get(id));
  }

  /** When the last tag of a repository goes, its digest references go too (dockerd logs no event for these). */
  private dropOrphanDigests(removed: Reference, remaining: Reference[]): Reference[] {
    if (removed.digest !== undefined) return remaining;
    const sameName = (r: Reference) => r.domain === removed.domain && r.path === removed.path;
    if (remaining.some((r) => r.digest === undefined && sameName(r))) return remaining;
    return remaining.filter((r) => {
      if (r.digest === undefined || !sameName(r)) return true;
      this.service.refs.delete(r);
      this.records.push({ untagged: familiarString(r) });
      return false;
    });
  }

  private async deleteImage(id: string, untaggedAlready: boolean): Promise<DeleteItem[]> {
    if (!this.force) {
      const found = await this.findConflict(id, true);
      if (found) {
        // After an untag, a conflict just means the image stays (dangling only if nothing uses it).
        if (untaggedAlready) return this.persistAnd(this.records);
        throw conflict(found.message);
      }
    }
    const image = this.service.images.get(id)!;
    for (const ref of this.service.refs.deleteAll(id)) this.untagged(id, ref);
    await this.service.saveReferences();
    await this.service.deps.db.delete(id);
    this.service.images.delete(id);
    this.records.push({ deleted: id });
    this.service.deps.events.publish("delete", id, id, undefined);
    const deleted = await this.service.releaseLayers(id, [...image.config.chainIds].reverse(), this.ctx);
    for (const chainId of deleted) this.records.push({ deleted: chainId });
    return this.records;
  }

  private async checkConflicts(id: string, activeReferences: boolean): Promise<void> {
    const found = await this.findConflict(id, activeReferences);
    if (found) throw conflict(found.message);
  }

  private async findConflict(id: string, activeReferences: boolean): Promise<{ message: string } | undefined> {
    const prefix = `conflict: unable to delete ${truncateId(id)} (must be forced) - `;
    if (activeReferences && this.service.refs.references(id).length > 0) {
      return { message: `${prefix}image is referenced in multiple repositories` };
    }
    const user = (await this.containersUsing(id))[0];
    if (user !== undefined) return { message: `${prefix}image is being used by stopped container ${truncateId(user)}` };
    return undefined;
  }

  private async containersUsing(id: string): Promise<string[]> {
    try {
      return await this.service.deps.containers.containersUsing(id, this.ctx);
    } catch (err) {
      throw unavailable(`cannot tell whether containers use image ${truncateId(id)}, so it was not removed: ${(err as Error).message}`);
    }
  }

  private async persistAnd<T>(value: T): Promise<T> {
    await this.service.saveReferences();
    return value;
  }
}

function conflict(message: string): SlipwayError {
  return failedPrecondition(message);
}

/** True when what the user typed is a prefix of the image ID (with or without "sha256:"). */
function isImageIdPrefix(imageId: string, possiblePrefix: string): boolean {
  return imageId.startsWith(possiblePrefix) || imageId.slice("sha256:".length).startsWith(possiblePrefix);
}

/** dockerd's isSingleReference: one tag, or digests of a single repository (with at most its one tag). */
function isSingleReference(refs: Reference[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const canonicalNames = new Set<string>();
  let single: Reference | undefined;
  for (const ref of refs) {
    if (ref.digest !== undefined) canonicalNames.add(`${ref.domain}/${ref.path}`);
    else if (single === undefined) single = ref;
    else return false;
  }
  single ??= refs[0]!;
  return canonicalNames.size === 1 && canonicalNames.has(`${single.domain}/${single.path}`);
}
