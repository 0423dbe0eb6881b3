import { EventLog } from "@slipway/docker-spec";
import { resourceExhausted } from "@slipway/errors";
import type { ContainerSummary } from "./summary.js";

/**
 * container-config's part of `docker events`: containers created, renamed and destroyed. Their attributes are
 * dockerd's (LogContainerEventWithAttributes): the container's labels, then its image as the user typed it and
 * its name (without "/") over them; a rename's oldName (with its "/") goes under the labels.
 */
export class ContainerEvents {
  readonly log = new EventLog({ fellBehind: resourceExhausted });

  created(container: ContainerSummary, name: string): void {
    this.publish("create", container, name, {});
  }

  renamed(container: ContainerSummary, name: string, oldName: string): void {
    this.publish("rename", container, name, { oldName });
  }

  destroyed(container: ContainerSummary, name: string): void {
    this.publish("destroy", container, name, {});
  }

  private publish(action: string, container: ContainerSummary, name: string, attributes: Record<string, string>): void {
    const all: Record<string, string> = { ...attributes, ...container.labels };
    if (container.image !== "") all.image = container.image;
    all.name = name.replace(/^\/+/, "");
    this.log.publish("container", action, container.id, all);
  }
}
