import { describe, expect, it } from "vitest";
import { ContainerIndex } from "./container-index.js";
import { NameRegistry } from "./name-registry.js";
import type { IndexEntry } from "./summary.js";

function entry(n: number): IndexEntry {
  const id = n.toString(16).padStart(64, "a");
  return {
    createdKey: `2026-11-27T10:${String(Math.floor(n / 60) % 60).padStart(2, "0")}:${String(n % 60).padStart(2, "0")}.${String(n).padStart(9, "0")}`,
    networks: [],
    mountPoints: [],
    summary: {
      id,
      names: [`/c${n}`],
      image: "golden:1",
      imageId: "sha256:69",
      command: "/bin/sh",
      created: 1795850337 + n,
      state: "created",
      status: "Created",
      ports: [],
      labels: { padding: "x".repeat(400) },
      networkMode: "default",
      networksJson: "{}",
      mounts: [],
    },
  };
}

function indexOf(count: number): ContainerIndex {
  const names = new NameRegistry();
  const index = new ContainerIndex(names);
  for (let n = 0; n < count; n++) {
    names.reserve(`/c${n}`, entry(n).summary.id);
    index.add(entry(n));
  }
  return index;
}

describe("the list body in chunks", () => {
  it("concatenates to the JSON array of every row, newest first, in chunks of at most 64 KiB", () => {
    const index = indexOf(1000);
    const chunks = [...index.listJsonChunks({}, true, 0)];
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(64 * 1024);
    const rows = JSON.parse(Buffer.concat(chunks).toString()) as { Id: string; Names: string[] }[];
    expect(rows.map((r) => r.Id)).toEqual(index.list({}, true, 0).map((s) => s.id));
    expect(rows[0]).toMatchObject({ Names: ["/c999"] });
  });

  it("is one chunk `[]` when nothing matches, and fails before any chunk on a bad filter", () => {
    expect([...indexOf(3).listJsonChunks({ name: ["nothing"] }, true, 0)].map(String)).toEqual(["[]"]);
    expect(() => indexOf(3).listJsonChunks({ colour: ["red"] }, true, 0)).toThrow(/colour/);
  });
});

describe("the newest-first order", () => {
  it("follows adds and removes without a re-sort, and stays right when an add is older than the newest", () => {
    const index = new ContainerIndex(new NameRegistry());
    const order = () => index.list({}, true, 0).map((s) => s.id);
    const ids = (ns: number[]) => ns.map((n) => entry(n).summary.id);
    for (const n of [5, 1, 9, 3]) index.add(entry(n));
    expect(order()).toEqual(ids([9, 5, 3, 1]));
    index.add(entry(12));
    index.remove(entry(5).summary.id);
    expect(order()).toEqual(ids([12, 9, 3, 1]));
    index.add(entry(4));
    index.remove(entry(12).summary.id);
    index.remove(entry(77).summary.id);
    expect(order()).toEqual(ids([9, 4, 3, 1]));
  });
});

describe("the names of a container", () => {
  it("are the same array until they change, so a rendered row is reused and a renamed one re-rendered", () => {
    const names = new NameRegistry();
    const id = "c".repeat(64);
    names.reserve("/demo", id);
    const first = names.namesOf(id);
    expect(names.namesOf(id)).toBe(first);
    names.reserve("/alias", id);
    expect(names.namesOf(id)).toEqual(["/alias", "/demo"]); // sorted, as dockerd lists names
    names.release("/demo", id);
    expect(names.namesOf(id)).toEqual(["/alias"]);
    expect(first).toEqual(["/demo"]);
  });
});

describe("the list version", () => {
  it("changes with every added or removed record and every name change, and only then", () => {
    const names = new NameRegistry();
    const index = new ContainerIndex(names);
    let last = index.listVersion;
    const changed = (): boolean => {
      const [before, now] = [last, index.listVersion];
      last = now;
      return now !== before;
    };
    const id = entry(1).summary.id;
    names.reserve("/demo", id);
    expect(changed()).toBe(true);
    index.add(entry(1));
    expect(changed()).toBe(true);
    index.list({}, true, 0);
    Array.from(index.listJsonChunks({}, true, 0));
    names.reserve("/demo", id);
    names.release("/other", id);
    index.remove(entry(2).summary.id);
    expect(changed()).toBe(false);
    names.release("/demo", id);
    expect(changed()).toBe(true);
    index.remove(id);
    expect(changed()).toBe(true);
    names.releaseAll(id);
    expect(changed()).toBe(false);
  });

  it("starts a new series in every index, so versions from before a restart never match", () => {
    expect(new ContainerIndex(new NameRegistry()).listVersion).not.toBe(new ContainerIndex(new NameRegistry()).listVersion);
  });
});
