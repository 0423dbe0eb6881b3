/** Containers and volumes of creates still running, which the reconciler must not take for orphans. */
export class InFlightCreates {
  private readonly containers = new Set<string>();
  private readonly volumes = new Map<string, string>();

  begin(containerId: string): void {
    this.containers.add(containerId);
  }

  addVolume(containerId: string, volumeName: string): void {
    this.volumes.set(volumeName, containerId);
  }

  end(containerId: string): void {
    this.containers.delete(containerId);
    for (const [volume, owner] of this.volumes) if (owner === containerId) this.volumes.delete(volume);
  }

  hasContainer(containerId: string): boolean {
    return this.containers.has(containerId);
  }

  hasVolume(volumeName: string): boolean {
    return this.volumes.has(volumeName);
  }
}
