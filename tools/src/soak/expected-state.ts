/**
 * What the soak's clients were told, per object: acknowledged as present, acknowledged as removed, or
 * unknown (the call was cut by a kill, so it may or may not have happened). After a restart the engine must
 * agree with every acknowledged state; an unknown one takes whatever the engine shows.
 */
export type Known = "present" | "removed" | "unknown";

export interface Disagreement {
  readonly name: string;
  readonly expected: "present" | "removed";
}

export class ExpectedState {
  private readonly states = new Map<string, Known>();

  set(name: string, state: Known): void {
    this.states.set(name, state);
  }

  /** Names acknowledged as present, for the operations that need an existing object. */
  present(): string[] {
    return [...this.states].filter(([, state]) => state === "present").map(([name]) => name);
  }

  /**
   * Compares with what the engine lists and returns what was lost or came back; from then on every name
   * takes the engine's state (so a disagreement is reported once).
   */
  reconcile(listed: ReadonlySet<string>): Disagreement[] {
    const wrong: Disagreement[] = [];
    for (const [name, state] of this.states) {
      if (state !== "unknown" && (state === "present") !== listed.has(name)) wrong.push({ name, expected: state });
      this.states.set(name, listed.has(name) ? "present" : "removed");
    }
    return wrong;
  }

  /** How many names are acknowledged in each state. */
  counts(): Record<Known, number> {
    const counts: Record<Known, number> = { present: 0, removed: 0, unknown: 0 };
    for (const state of this.states.values()) counts[state]++;
    return counts;
  }
}
