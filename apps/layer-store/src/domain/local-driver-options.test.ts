import { describe, expect, it } from "vitest";
import { localDriverOptsJson } from "./local-driver-options.js";

const noQuota = () => false;

describe("the local volume driver's options", () => {
  it("writes opts.json as dockerd marshals its optsConfig, and nothing for no options", () => {
    expect(localDriverOptsJson({}, noQuota)).toBeUndefined();
    expect(localDriverOptsJson({ type: "none", o: "bind", device: "/srv" }, noQuota)).toBe(
      '{"MountType":"none","MountOpts":"bind","MountDevice":"/srv","Quota":{"Size":0}}',
    );
    expect(localDriverOptsJson({ size: "1G" }, () => true)).toBe('{"MountType":"","MountOpts":"","MountDevice":"","Quota":{"Size":1073741824}}');
    expect(localDriverOptsJson({ size: "0" }, noQuota)).toBe('{"MountType":"","MountOpts":"","MountDevice":"","Quota":{"Size":0}}');
  });

  it("refuses an unknown option, then one missing what it needs, then a size it cannot read or enforce", () => {
    const refusal = (options: Record<string, string>) => {
      try {
        localDriverOptsJson(options, noQuota);
      } catch (err) {
        return [(err as { kind: string }).kind, (err as Error).message];
      }
      return undefined;
    };
    expect(refusal({ o: "bind", bogus: "1" })).toEqual(["invalid_argument", 'invalid option: "bogus"']);
    expect(refusal({ o: "bind" })).toEqual(["invalid_argument", 'missing required option: "device"']);
    expect(refusal({ o: "bind", device: "/x" })).toEqual(["invalid_argument", 'missing required option: "type"']);
    expect(refusal({ type: "tmpfs" })).toEqual(["invalid_argument", 'missing required option: "device"']);
    expect(refusal({ size: "big" })).toEqual(["internal", "invalid size: 'big'"]);
    expect(refusal({ size: "10m" })).toEqual(["invalid_argument", "quota size requested but no quota support"]);
  });
});
