import { posix } from "node:path";
import { linksOf, type HostConfig, type Link, type LinkTargets } from "@slipway/container-rules";
import { SlipwayError } from "@slipway/errors";
import type { Logger } from "pino";
import type { ContainerIndex } from "./container-index.js";
import type { NameRegistry } from "./name-registry.js";

/**
 * Legacy links (HostConfig.Links on the default networks): a linked container is also known by the name
 * "/<parent>/<alias>", as dockerd's registerLinks reserves it. Only hostconfig.json keeps links on disk;
 * the names are rebuilt from it at start, as dockerd rebuilds them.
 */
export class ContainerLinks {
  readonly targets: LinkTargets;

  constructor(
    private readonly names: NameRegistry,
    index: ContainerIndex,
    private readonly logger: Logger,
  ) {
    this.targets = { resolveContainer: (idOrName) => index.find(idOrName), networkModeOf: (id) => index.networkModeOf(id) };
  }

  /** The links a host config asks for; throws dockerd's errors for a missing container or a host-network one. */
  resolve(host: HostConfig): Link[] {
    return linksOf(host, this.targets);
  }

  /** Reserves each link name for its container; a name already taken is skipped with a warning, as in dockerd. */
  register(parentName: string, links: readonly Link[]): void {
    for (const { childId, alias } of links) {
      const linkName = posix.join(parentName, alias);
      try {
        this.names.reserve(linkName, childId);
      } catch (err) {
        if (!(err instanceof SlipwayError) || err.kind !== "already_exists") throw err;
        this.logger.warn({ parent: parentName, child: childId, alias }, `link name ${linkName} is taken; link ignored`);
      }
    }
  }

  /** Start-up: the links of a loaded container; one that no longer resolves is skipped with a warning. */
  restore(parentName: string, hostConfigJson: string): void {
    try {
      this.register(parentName, this.resolve(JSON.parse(hostConfigJson) as HostConfig));
    } catch (err) {
      this.logger.warn({ container: parentName, err: (err as Error).message }, "links of a container not restored");
    }
  }

  /** Releases the link names under a container that is going away. */
  release(parentName: string): void {
    for (const { name, childId } of this.names.linksUnder(parentName)) this.names.release(name, childId);
  }

  /**
   * The link names under a renamed container move to its new name ("/<old>/<alias>" to "/<new>/<alias>"),
   * as dockerd's rename moves them; the children's hostconfig.json is left as it is, as dockerd leaves it.
   */
  move(oldParentName: string, newParentName: string): void {
    const links = this.names.linksUnder(oldParentName).map(({ name, childId }) => ({ childId, alias: name.slice(oldParentName.length + 1) }));
    this.release(oldParentName);
    this.register(newParentName, links);
  }

  /** HostConfig.Links as inspect shows them: "/<child>:/<parent>/<alias>". */
  inspectForm(parentName: string): string[] {
    return this.names.linksUnder(parentName).map(({ name, childId }) => `${this.primaryName(childId)}:${name}`);
  }

  private primaryName(id: string): string {
    return this.names.namesOf(id).find((name) => name.lastIndexOf("/") === 0) ?? "";
  }
}
