import { describe, expect, it } from "vitest";
import { listRowBytes, listRowJson } from "./list-row.js";
import type { IndexEntry } from "./summary.js";

const endpoint =
  '{"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,' +
  '"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"","DriverOpts":null}';

function entry(overrides: Partial<IndexEntry["summary"]> = {}): IndexEntry {
  return {
    createdKey: "2026-11-27T10:38:57.000000000",
    networks: ["bridge"],
    mountPoints: [], // for VolumesFrom only; the row renders the summary's mounts
    summary: {
      id: "c".repeat(64),
      names: ["/demo"],
      image: "golden:1",
      imageId: "sha256:69",
      command: "/bin/sh -c 'x y'",
      created: 1795850337,
      state: "created",
      status: "Created",
      ports: [],
      labels: { a: "b" },
      networkMode: "default",
      networksJson: `{"bridge":${endpoint}}`,
      mounts: [{ type: "volume", name: "v".repeat(64), source: "", destination: "/data", driver: "local", mode: "", rw: true, propagation: "" }],
      ...overrides,
    },
  };
}

describe("a row of GET /containers/json", () => {
  it("is Go's types.Container: its keys in order, the stored networks, the volume's name and driver", () => {
    expect(listRowJson(entry(), ["/demo"], "golden:1")).toBe(
      `{"Id":"${"c".repeat(64)}","Names":["/demo"],"Image":"golden:1","ImageID":"sha256:69","Command":"/bin/sh -c 'x y'",` +
        `"Created":1795850337,"Ports":[],"Labels":{"a":"b"},"State":"created","Status":"Created","HostConfig":{"NetworkMode":"default"},` +
        `"NetworkSettings":{"Networks":{"bridge":${endpoint}}},` +
        `"Mounts":[{"Type":"volume","Name":"${"v".repeat(64)}","Source":"","Destination":"/data","Driver":"local","Mode":"","RW":true,"Propagation":""}]}`,
    );
  });

  it("escapes as Go does, leaves out a bind mount's empty name and driver, and never shows an empty name", () => {
    const bind = { type: "bind", name: "", source: "/srv", destination: "/srv", driver: "", mode: "", rw: false, propagation: "rprivate" };
    const row = JSON.parse(listRowJson(entry({ labels: { html: "<a&b>" }, mounts: [bind] }), ["", "demo", "/other/alias"], "golden:1"));
    expect(row.Names).toEqual(["/demo", "/other/alias"]);
    expect(row.Mounts).toEqual([{ Type: "bind", Source: "/srv", Destination: "/srv", Mode: "", RW: false, Propagation: "rprivate" }]);
    expect(listRowJson(entry({ labels: { html: "<a&b>" } }), ["/demo"], "golden:1")).toContain('"Labels":{"html":"\\u003ca\\u0026b\\u003e"}');
  });

  it("keeps the rendered row until the names or the shown image change", () => {
    const kept = entry();
    const names = ["/demo"];
    const first = listRowBytes(kept, names, "golden:1");
    expect(listRowBytes(kept, names, "golden:1")).toBe(first);
    expect(JSON.parse(listRowBytes(kept, names, "sha256:69").toString()).Image).toBe("sha256:69");
    expect(JSON.parse(listRowBytes(kept, ["/renamed"], "sha256:69").toString()).Names).toEqual(["/renamed"]);
  });
});
