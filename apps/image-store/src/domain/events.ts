import { EventLog, familiarName, familiarString, type Reference } from "@slipway/docker-spec";
import { resourceExhausted } from "@slipway/errors";
import type { ImageRecord } from "./image-index.js";
import type { ImageService } from "./image-service.js";

/**
 * image-store's part of `docker events`: images loaded, pulled, pushed, tagged, untagged, deleted and saved.
 * Their attributes are dockerd's (LogImageEventWithAttributes): the image's labels while it exists (not for
 * a delete, which dockerd logs once the image is gone), then `name`.
 */
export class ImageEvents {
  readonly log = new EventLog({ fellBehind: resourceExhausted });

  /** `actorId` is the image ID, or for a pull or push the reference; `name` what the action names. */
  publish(action: string, actorId: string, name: string, image: ImageRecord | undefined): void {
    this.log.publish("image", action, actorId, { ...image?.config.labels, name });
  }

  /** A pull or push: the reference as the actor, its repository as the name, the labels of the image it names now. */
  transferred(action: "pull" | "push", ref: Reference, images: ImageService): void {
    this.publish(action, familiarString(ref), familiarName(ref), images.images.get(images.refs.get(ref) ?? ""));
  }
}
