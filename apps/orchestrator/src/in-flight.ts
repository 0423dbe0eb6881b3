/**
 * Containers and volumes of creates still running, which the reconciler must not take for orphans and a
 * volume removal must not take for unused; and the volume removals running, which such creates wait for.
 */
export class InFlightCreates {
  private readonly containers = new Set<string>();
  /** Volume name → the creates using it (several for a named volume). */
  private readonly volumes = new Map<string, Set<string>>();
  private readonly removals = new Map<string, Promise<unknown>>();

  begin(containerId: string): void {
    this.containers.add(containerId);
  }

  addVolume(containerId: string, volumeName: string): void {
    const users = this.volumes.get(volumeName) ?? new Set<string>();
    this.volumes.set(volumeName, users.add(containerId));
  }

  /** addVolume once no removal of the volume runs: the create then finds the volume, or makes a new one. */
  async useVolume(containerId: string, volumeName: string): Promise<void> {
    for (let running = this.removals.get(volumeName); running; running = this.removals.get(volumeName)) await running.catch(() => undefined);
    this.addVolume(containerId, volumeName);
  }

  /** Runs a volume's removal; creates that ask for the volume meanwhile (useVolume) wait for it to end. */
  async removingVolume<T>(volumeName: string, removal: () => Promise<T>): Promise<T> {
    const running = removal();
    this.removals.set(volumeName, running);
    try {
      return await running;
    } finally {
      if (this.removals.get(volumeName) === running) this.removals.delete(volumeName);
    }
  }

  end(containerId: string): void {
    this.containers.delete(containerId);
    for (const [volume, users] of this.volumes) if (users.delete(containerId) && users.size === 0) this.volumes.delete(volume);
  }

  hasContainer(containerId: string): boolean {
    return this.containers.has(containerId);
  }

  hasVolume(volumeName: string): boolean {
    return this.volumes.has(volumeName);
  }

  /** The creates using a volume. */
  usersOf(volumeName: string): string[] {
    return [...(this.volumes.get(volumeName) ?? [])];
  }
}
