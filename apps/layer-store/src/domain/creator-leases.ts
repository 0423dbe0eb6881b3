import { invalidArgument } from "@slipway/errors";

/** How long a lease lasts unless renewed; an orchestrator renews its own every third of it. */
export const LEASE_TTL_MS = 10_000;

export interface AbandonedQuery {
  readonly containerIds: readonly string[];
  readonly volumeNames: readonly string[];
  /** The caller's own lease: never counted as another live creator; what it made is the caller's to judge. */
  readonly leaseId: string;
}

export interface Abandoned {
  readonly containerIds: string[];
  readonly volumeNames: string[];
  /** How long some of the queried leftovers cannot be judged yet: one TTL after the start, or until their creator's lease runs out. */
  readonly undecidedForMs: number;
}

/**
 * Which orchestrator made each RW layer and anonymous volume, and whether it still lives: every orchestrator
 * holds a lease it renews while it runs, and a create records its lease with what it makes. When the lease
 * lapses, its creator is gone, so what its creates left unclaimed is abandoned and can go at once instead of
 * after the reconciler's grace period. Kept in memory: what was made before this process started has no
 * known creator and counts as abandoned once no lease but the caller's is live, one TTL after the start
 * (a live orchestrator renews within that time); what a creator without a lease made is left to the grace
 * period.
 */
export class CreatorLeases {
  private readonly expiries = new Map<string, number>();
  private readonly layerCreators = new Map<string, string>();
  private readonly volumeCreators = new Map<string, string>();
  private readonly startedAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  /** Renews the lease for one TTL; answers the TTL. */
  renew(leaseId: string): number {
    if (leaseId === "") throw invalidArgument("RenewLease needs a lease ID");
    this.expiries.set(leaseId, this.now() + LEASE_TTL_MS);
    return LEASE_TTL_MS;
  }

  /** Remembers who made a container's RW layer and its provisional volumes ("": a creator without a lease). */
  recordCreated(leaseId: string, containerId: string, volumeNames: readonly string[]): void {
    this.layerCreators.set(containerId, leaseId);
    for (const name of volumeNames) this.volumeCreators.set(name, leaseId);
  }

  /** Forgets what is gone or no longer anyone's leftover. */
  forget(containerIds: readonly string[], volumeNames: readonly string[]): void {
    for (const id of containerIds) this.layerCreators.delete(id);
    for (const name of volumeNames) this.volumeCreators.delete(name);
  }

  findAbandoned(query: AbandonedQuery): Abandoned {
    const othersGone = this.noLiveLeaseBut(query.leaseId);
    // Unknown (made before the start): abandoned once no other creator lives; made without a lease: never (the
    // grace period decides); made by the caller: abandoned, as the caller asks only about what none of its
    // creates in flight uses.
    const abandoned = (creator: string | undefined) =>
      creator === undefined ? othersGone : creator !== "" && (creator === query.leaseId || this.hasLapsed(creator));
    const creators = [
      ...query.containerIds.map((id) => this.layerCreators.get(id)),
      ...query.volumeNames.map((name) => this.volumeCreators.get(name)),
    ];
    return {
      containerIds: query.containerIds.filter((id) => abandoned(this.layerCreators.get(id))),
      volumeNames: query.volumeNames.filter((name) => abandoned(this.volumeCreators.get(name))),
      undecidedForMs: Math.max(0, this.startedAt + LEASE_TTL_MS - this.now(), ...creators.map((creator) => this.liveFor(creator, query.leaseId))),
    };
  }

  /** How long another creator's lease still runs (0 for none, the caller's, or one that lapsed): until then its leftovers wait. */
  private liveFor(creator: string | undefined, caller: string): number {
    if (creator === undefined || creator === "" || creator === caller) return 0;
    return Math.max(0, (this.expiries.get(creator) ?? 0) - this.now());
  }

  /** A lease this process has not seen renewed could still be renewed until one TTL after its start. */
  private hasLapsed(leaseId: string): boolean {
    return this.now() > (this.expiries.get(leaseId) ?? this.startedAt + LEASE_TTL_MS);
  }

  private noLiveLeaseBut(leaseId: string): boolean {
    if (this.now() <= this.startedAt + LEASE_TTL_MS) return false;
    for (const [id, expiry] of this.expiries) if (id !== leaseId && expiry >= this.now()) return false;
    return true;
  }
}
