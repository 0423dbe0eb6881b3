import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { inspectDocument, stateStatus } from "./inspect-document.js";
import { rawMembers } from "./raw-json.js";

// Captured from dockerd 20.10 for `docker create -it --name demo golden:1` (tools/golden/dockerd-20.10/demo).
const GOLDEN = new URL("../test/fixtures/golden-demo", import.meta.url).pathname;
const golden = (name: string) => readFileSync(`${GOLDEN}/${name}`, "utf8");

describe("inspectDocument", () => {
  const expected = (JSON.parse(golden("docker_inspect.json")) as Record<string, any>[])[0]!;
  const data = expected.GraphDriver.Data as Record<string, string>;
  const volume = expected.Mounts[0] as { Name: string; Source: string };
  const inputs = {
    configV2Json: golden("config.v2.json"),
    hostConfigJson: golden("hostconfig.json"),
    graphDriver: { lowerDir: data.LowerDir!, mergedDir: data.MergedDir!, upperDir: data.UpperDir!, workDir: data.WorkDir! },
    volumeMountpoints: new Map([[volume.Name, volume.Source]]),
    links: [],
  };
  const document = inspectDocument(inputs);

  it("equals what dockerd 20.10 answered for the same container, key order included", () => {
    expect(JSON.stringify(JSON.parse(document))).toBe(JSON.stringify(expected));
  });

  it("shows SizeRw and SizeRootFs after GraphDriver when asked for (docker inspect --size)", () => {
    const sized = inspectDocument({ ...inputs, sizes: { sizeRw: 0, sizeRootFs: 1982308 } });
    const keys = Object.keys(JSON.parse(sized) as object);
    expect(keys.slice(keys.indexOf("GraphDriver"), keys.indexOf("Mounts") + 1)).toEqual(["GraphDriver", "SizeRw", "SizeRootFs", "Mounts"]);
    expect(JSON.parse(sized)).toMatchObject({ SizeRw: 0, SizeRootFs: 1982308 });
    expect(Object.keys(JSON.parse(document) as object)).not.toContain("SizeRw");
  });

  it("passes HostConfig through byte for byte", () => {
    expect(rawMembers(document).get("HostConfig")).toBe(golden("hostconfig.json").trim());
  });

  it("still inspects a container whose RW layer is missing, with empty GraphDriver data", () => {
    const missing = inspectDocument({
      configV2Json: golden("config.v2.json"),
      hostConfigJson: golden("hostconfig.json"),
      graphDriver: undefined,
      volumeMountpoints: new Map(),
      links: [],
    });
    expect(JSON.parse(missing).GraphDriver).toEqual({ Data: {}, Name: "overlay2" });
  });

  it("shows the registered links in HostConfig.Links instead of the request's form, and null when none resolved", () => {
    const stored = golden("hostconfig.json").trim().replace('"Links":null', '"Links":["db:alias","db"]');
    const inspect = (links: string[]) =>
      JSON.parse(
        rawMembers(
          inspectDocument({
            configV2Json: golden("config.v2.json"),
            hostConfigJson: stored,
            graphDriver: undefined,
            volumeMountpoints: new Map(),
            links,
          }),
        ).get("HostConfig")!,
      );
    expect(inspect(["/db:/demo/alias", "/db:/demo/db"]).Links).toEqual(["/db:/demo/alias", "/db:/demo/db"]);
    expect(inspect([]).Links).toBeNull();
    expect(Object.keys(inspect([]))).toEqual(Object.keys(JSON.parse(stored)));
  });
});

describe("stateStatus", () => {
  it("derives dockerd's status words", () => {
    expect(stateStatus({ StartedAt: "0001-01-01T00:00:00Z" })).toBe("created");
    expect(stateStatus({ StartedAt: "2026-11-28T07:22:02.206405833Z" })).toBe("exited");
    expect(stateStatus({ Running: true, Paused: true })).toBe("paused");
    expect(stateStatus({ Dead: true })).toBe("dead");
  });
});

describe("rawMembers", () => {
  it("keeps raw values, including numbers beyond 2^53 and nested strings with braces", () => {
    const members = rawMembers(' { "a" : 12345678901234567890 , "b":{"x":"}\\"{"},"c":[1,[2]],"d":null }');
    expect([...members]).toEqual([
      ["a", "12345678901234567890"],
      ["b", '{"x":"}\\"{"}'],
      ["c", "[1,[2]]"],
      ["d", "null"],
    ]);
  });
  it("rejects what is not an object", () => {
    expect(() => rawMembers("[1]")).toThrow(/expected a JSON object/);
  });
});
