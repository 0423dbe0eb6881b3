import { describe, expect, it } from "vitest";
import { ExpectedState } from "./expected-state.js";

describe("the soak's expected state", () => {
  it("reports an acknowledged object that is gone and a removed one that came back, and lets unknown ones take the engine's state", () => {
    const state = new ExpectedState();
    state.set("kept", "present");
    state.set("lost", "present");
    state.set("removed", "removed");
    state.set("back", "removed");
    state.set("cut-create", "unknown");
    state.set("cut-remove", "unknown");
    expect(state.reconcile(new Set(["kept", "back", "cut-create"]))).toEqual([
      { name: "lost", expected: "present" },
      { name: "back", expected: "removed" },
    ]);
    expect(state.counts()).toEqual({ present: 3, removed: 3, unknown: 0 });
    expect(state.present().sort()).toEqual(["back", "cut-create", "kept"]);
  });
});
