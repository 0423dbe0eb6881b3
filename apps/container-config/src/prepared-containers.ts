import type { HostConfig, SecurityFields } from "@slipway/container-rules";
import type { NameRegistry } from "./name-registry.js";

/** What a commit needs of a prepared container: the merge's results, ready for the record. */
export interface PreparedContainer {
  /** The reserved name, stored form ("/demo"). */
  name: string;
  /** The merged Config as config.v2.json holds it (Go-encoded). */
  configJson: string;
  /** hostconfig.json exactly as it is written. */
  hostConfigFile: string;
  /** NetworkSettings.Networks as config.v2.json holds it (Go-encoded). */
  networksJson: string;
  path: string;
  args: string[];
  /** The merged HostConfig: its mount points and links are resolved against the containers there are at commit. */
  hostConfig: HostConfig;
  security: SecurityFields;
}

/**
 * Containers merged and named, held until their commit takes them or they are abandoned; dropping one
 * releases its name. Each belongs to the record session that prepared it (`record-session.ts`), which
 * abandons it whenever it ends without the commit, so none needs a time to live of its own.
 */
export class PreparedContainers {
  private readonly held = new Map<string, PreparedContainer>();

  constructor(private readonly names: NameRegistry) {}

  has(id: string): boolean {
    return this.held.has(id);
  }

  get(id: string): PreparedContainer | undefined {
    return this.held.get(id);
  }

  /** Holds a container whose name is reserved for it. */
  hold(id: string, container: PreparedContainer): void {
    this.held.set(id, container);
  }

  /** Hands a container over to its commit: no longer prepared, its name stays reserved for it. */
  handOver(id: string): void {
    this.held.delete(id);
  }

  /** Drops a prepared container and releases its name; any other ID is ignored. */
  abandon(id: string): void {
    const container = this.held.get(id);
    if (!container) return;
    this.held.delete(id);
    this.names.release(container.name, id);
  }
}
