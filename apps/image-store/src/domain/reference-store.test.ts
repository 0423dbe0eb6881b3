import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { familiarString, parseNormalizedNamed } from "@slipway/docker-spec";
import { RepositoriesFile } from "../storage/repositories-file.js";
import { ReferenceStore } from "./reference-store.js";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const DIGEST = `sha256:${"d".repeat(64)}`;
const ref = (s: string) => parseNormalizedNamed(s);

describe("ReferenceStore", () => {
  it("keys references in familiar form, a bare name meaning :latest", () => {
    const store = new ReferenceStore();
    store.add(ref("docker.io/library/golden"), A);
    store.add(ref("localhost:5000/x/y:1"), A);
    expect(store.snapshot()).toEqual({ golden: { "golden:latest": A }, "localhost:5000/x/y": { "localhost:5000/x/y:1": A } });
    expect(store.get(ref("golden:latest"))).toBe(A);
    expect(store.references(A).map(familiarString)).toEqual(["golden:latest", "localhost:5000/x/y:1"]);
  });

  it("lists an image's references in dockerd's order: by their full names, not their familiar ones", () => {
    const store = new ReferenceStore();
    for (const name of ["quay.io/t/x:1", "zeta/x:1", "localhost:5000/x:1", "golden:1", "abc/x:1", "aaa:1"]) store.add(ref(name), A);
    expect(store.references(A).map(familiarString)).toEqual(["abc/x:1", "aaa:1", "golden:1", "zeta/x:1", "localhost:5000/x:1", "quay.io/t/x:1"]);
  });

  it("moves tags and reports the image they left", () => {
    const store = new ReferenceStore();
    store.add(ref("golden:1"), A);
    expect(store.add(ref("golden:1"), A)).toEqual({});
    expect(store.add(ref("golden:1"), B)).toEqual({ previous: A });
    expect(store.get(ref("golden:1"))).toBe(B);
  });

  it("stores name:tag@digest by digest only and never moves a digest", () => {
    const store = new ReferenceStore();
    store.add(ref(`golden:1@${DIGEST}`), A);
    expect(store.snapshot()).toEqual({ golden: { [`golden@${DIGEST}`]: A } });
    expect(() => store.add(ref(`golden@${DIGEST}`), B)).toThrow(`Cannot overwrite digest ${DIGEST}`);
  });

  it("drops a repository when its last reference goes", () => {
    const store = new ReferenceStore({ golden: { "golden:1": A } });
    expect(store.delete(ref("golden:1"))).toBe(true);
    expect(store.delete(ref("golden:1"))).toBe(false);
    expect(store.snapshot()).toEqual({});
  });
});

describe("RepositoriesFile", () => {
  it("writes dockerd's bytes: sorted keys, compact, no newline, 0600; and reads them back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "repositories-"));
    try {
      const file = new RepositoriesFile(join(dir, "repositories.json"));
      await file.save({ golden: { "golden:2": A, "golden:1": A }, bb: { "bb:latest": B } });
      const text = await readFile(join(dir, "repositories.json"), "utf8");
      expect(text).toBe(`{"Repositories":{"bb":{"bb:latest":"${B}"},"golden":{"golden:1":"${A}","golden:2":"${A}"}}}`);
      expect((await stat(join(dir, "repositories.json"))).mode & 0o777).toBe(0o600);
      expect((await file.load()).repositories).toEqual({ golden: { "golden:1": A, "golden:2": A }, bb: { "bb:latest": B } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("treats a missing file as empty and reports a broken one without failing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "repositories-"));
    try {
      const file = new RepositoriesFile(join(dir, "repositories.json"));
      expect(await file.load()).toEqual({ repositories: {} });
      await writeFile(join(dir, "repositories.json"), "");
      const broken = await file.load();
      expect(broken.repositories).toEqual({});
      expect(broken.problem).toMatch(/repositories.json: .*JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
