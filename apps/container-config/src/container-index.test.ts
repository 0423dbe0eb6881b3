import { describe, expect, it } from "vitest";
import { ContainerIndex } from "./container-index.js";
import { NameRegistry } from "./name-registry.js";
import { imageReferenceKey } from "./resolved-images.js";
import type { IndexEntry } from "./summary.js";

/** A list whose image references all still name their images, without an ancestor filter. */
const AS_CREATED = { stale: new Set<string>() };

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
    const chunks = [...index.listJsonChunks({}, true, 0, AS_CREATED)];
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(64 * 1024);
    const rows = JSON.parse(Buffer.concat(chunks).toString()) as { Id: string; Names: string[] }[];
    expect(rows.map((r) => r.Id)).toEqual(index.list({}, true, 0, AS_CREATED).map((s) => s.id));
    expect(rows[0]).toMatchObject({ Names: ["/c999"] });
  });

  it("is one chunk `[]` when nothing matches, and fails before any chunk on a bad filter", () => {
    expect([...indexOf(3).listJsonChunks({ name: ["nothing"] }, true, 0, AS_CREATED)].map(String)).toEqual(["[]"]);
    expect(() => indexOf(3).listJsonChunks({ colour: ["red"] }, true, 0, AS_CREATED)).toThrow(/colour/);
  });
});

describe("the images a list shows and filters by", () => {
  const withImage = (n: number, image: string, imageId: string): IndexEntry => {
    const made = entry(n);
    return { ...made, summary: { ...made.summary, image, imageId } };
  };

  it("counts the distinct (reference, image ID) pairs through adds, replaces and removes", () => {
    const index = new ContainerIndex(new NameRegistry());
    [withImage(1, "golden:1", "sha256:69"), withImage(2, "golden:1", "sha256:69"), withImage(3, "golden:1", "sha256:70")].forEach((e) =>
      index.add(e),
    );
    const pairs = () => index.imageReferences().sort((a, b) => (a.imageId < b.imageId ? -1 : 1));
    expect(pairs()).toEqual([
      { reference: "golden:1", imageId: "sha256:69" },
      { reference: "golden:1", imageId: "sha256:70" },
    ]);
    index.remove(entry(1).summary.id);
    index.replace(withImage(3, "other:2", "sha256:70"));
    expect(pairs()).toEqual([
      { reference: "golden:1", imageId: "sha256:69" },
      { reference: "other:2", imageId: "sha256:70" },
    ]);
    index.remove(entry(2).summary.id);
    expect(pairs()).toEqual([{ reference: "other:2", imageId: "sha256:70" }]);
  });

  it("shows the image ID for a stale reference, in both list forms, and re-renders a kept row when it turns stale", () => {
    const index = new ContainerIndex(new NameRegistry());
    index.add(withImage(1, "golden:1", "sha256:69"));
    index.add(withImage(2, "golden:1", "sha256:70"));
    const stale = { stale: new Set([imageReferenceKey("golden:1", "sha256:69")]) };
    const jsonImages = (resolved: typeof AS_CREATED) =>
      (JSON.parse(Buffer.concat([...index.listJsonChunks({}, true, 0, resolved)]).toString()) as { Image: string }[]).map((r) => r.Image);
    expect(jsonImages(AS_CREATED)).toEqual(["golden:1", "golden:1"]);
    expect(jsonImages(stale)).toEqual(["golden:1", "sha256:69"]);
    expect(index.list({}, true, 0, stale).map((s) => s.image)).toEqual(["golden:1", "sha256:69"]);
    expect(jsonImages(AS_CREATED)).toEqual(["golden:1", "golden:1"]);
  });

  it("matches an ancestor filter by the image IDs resolved for it, and refuses one left unresolved", () => {
    const index = new ContainerIndex(new NameRegistry());
    index.add(withImage(1, "golden:1", "sha256:69"));
    index.add(withImage(2, "golden:1", "sha256:70"));
    const ids = (ancestorImageIds: Set<string>) =>
      index.list({ ancestor: ["golden:1"] }, true, 0, { ...AS_CREATED, ancestorImageIds }).map((s) => s.imageId);
    expect(ids(new Set(["sha256:70"]))).toEqual(["sha256:70"]);
    expect(ids(new Set())).toEqual([]);
    expect(index.list({}, true, 0, { ...AS_CREATED, ancestorImageIds: new Set(["sha256:69"]) }).map((s) => s.imageId)).toEqual(["sha256:69"]);
    expect(() => index.list({ ancestor: ["golden:1"] }, true, 0, AS_CREATED)).toThrow(/ancestor filter/);
  });
});

describe("the newest-first order", () => {
  it("follows adds and removes without a re-sort, and stays right when an add is older than the newest", () => {
    const index = new ContainerIndex(new NameRegistry());
    const order = () => index.list({}, true, 0, AS_CREATED).map((s) => s.id);
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
    index.list({}, true, 0, AS_CREATED);
    Array.from(index.listJsonChunks({}, true, 0, AS_CREATED));
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
