import { describe, expect, it } from "vitest";
import { checkStorageOpt } from "./storage-opt.js";

function outcome(storageOpt: Record<string, string>, hasProjectQuota: boolean): [string, string] | undefined {
  try {
    checkStorageOpt(storageOpt, () => hasProjectQuota);
  } catch (err) {
    return [(err as { kind: string }).kind, (err as Error).message];
  }
  return undefined;
}

describe("--storage-opt on overlay2", () => {
  const pquota = "--storage-opt is supported only for overlay over xfs with 'pquota' mount option";

  it("takes no options, and refuses a size off xfs with pquota before any other option, as dockerd does", () => {
    expect(outcome({}, false)).toBeUndefined();
    expect(outcome({ size: "1G" }, false)).toEqual(["internal", pquota]);
    expect(outcome({ bogus: "1", size: "1G" }, false)).toEqual(["internal", pquota]);
    expect(outcome({ Size: "1G" }, false)).toEqual(["internal", pquota]);
  });

  it("names an unknown option in lower case, and reads a size only where quotas exist", () => {
    expect(outcome({ Bogus: "1" }, false)).toEqual(["internal", "Unknown option bogus"]);
    expect(outcome({ size: "huge" }, true)).toEqual(["internal", "invalid size: 'huge'"]);
    expect(outcome({ size: "1G" }, true)?.[0]).toBe("unimplemented");
  });
});
