import { SlipwayError } from "@slipway/errors";
import { generateRandomId, truncateId } from "@slipway/docker-spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameRegistry } from "../src/name-registry.js";
import { holdPrepared, prepareRequest } from "./flow.js";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => (h = await startHarness()));
afterAll(() => h.stop());

const conflict = (name: string, id: string) =>
  `Conflict. The container name "${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`;
/** Prepares on a stream of its own, which holds the container prepared until it is abandoned. */
const prepare = (id: string, name: string, body?: object) => holdPrepared(h.client, prepareRequest(id, name, body));
/** Prepares `id` under a name of its own and abandons it: fails if anything is still held for `id`. */
const preparesAfresh = async (id: string) => (await prepare(id, `fresh-${id.slice(0, 12)}`)).stream.abandon();

describe("prepare's names over gRPC", () => {
  it("gives one of 200 concurrent preparations with one name to exactly one container; the others prepare nothing", async () => {
    const ids = Array.from({ length: 200 }, () => generateRandomId());
    const results = await Promise.allSettled(ids.map((id) => prepare(id, "demo")));
    const winners = ids.filter((_, i) => results[i]!.status === "fulfilled");
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === "fulfilled") expect(result.value.prepared.name).toBe("/demo");
      else expect(result.reason).toMatchObject({ kind: "already_exists", message: conflict("/demo", winners[0]!) });
    }
    await preparesAfresh(ids.find((id) => id !== winners[0])!);
    for (const result of results) if (result.status === "fulfilled") await result.value.stream.abandon();
  });

  it("accepts the leading slash, and frees the name when the stream that holds it ends", async () => {
    const [a, b] = [generateRandomId(), generateRandomId()];
    const held = await prepare(a, "/twice");
    expect(held.prepared).toMatchObject({ name: "/twice" });
    await expect(prepare(b, "twice")).rejects.toMatchObject({ kind: "already_exists", message: conflict("/twice", a) });
    await held.stream.abandon();
    const again = await prepare(b, "twice");
    expect(again.prepared).toMatchObject({ name: "/twice" });
    await again.stream.abandon();
  });

  it("rejects invalid names with dockerd's message, preparing nothing", async () => {
    for (const name of ["a", "-x", "has space", "ü-name", "/"]) {
      const id = generateRandomId();
      await expect(prepare(id, name)).rejects.toMatchObject({
        kind: "invalid_argument",
        message: `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      });
      await preparesAfresh(id);
    }
  });

  it("lets a config error win over a name conflict, and reserves nothing for a config that fails", async () => {
    const [holder, refused] = [generateRandomId(), generateRandomId()];
    const invalid = { Cmd: ["/bin/true"], WorkingDir: "rel" };
    const message = "the working directory 'rel' is invalid, it needs to be an absolute path";
    const held = await prepare(holder, "taken");
    await expect(prepare(refused, "taken", invalid)).rejects.toMatchObject({ kind: "invalid_argument", message });
    await expect(prepare(refused, "untaken", invalid)).rejects.toMatchObject({ kind: "invalid_argument", message });
    const other = await prepare(refused, "untaken");
    expect(other.prepared).toMatchObject({ name: "/untaken" });
    await Promise.all([held.stream.abandon(), other.stream.abandon()]);
  });

  it("generates adjective_surname names when none is asked for", async () => {
    const { stream, prepared } = await prepare(generateRandomId(), "");
    expect(prepared.name).toMatch(/^\/[a-z]+_[a-z]+$/);
    await stream.abandon();
  });

  it("changes the list version when a name is reserved or released; a prepared container is not listed or found", async () => {
    const version = async () => (await h.client.getListVersion({})).listVersion;
    const id = generateRandomId();
    const before = await version();
    const { stream } = await prepare(id, "pending");
    const prepared = await version();
    expect(prepared).not.toBe(before);
    const { containers } = await h.client.listContainers({ filters: {}, all: true, limit: 0 });
    expect(containers.map((c) => c.id)).not.toContain(id);
    await expect(h.client.getContainer({ idOrName: "pending" })).rejects.toMatchObject({ kind: "not_found", message: "No such container: pending" });
    await stream.abandon();
    expect(await version()).not.toBe(prepared);
  });
});

describe("name generation retry rule", () => {
  it("adds a digit from the second try and falls back to the short ID after six conflicts", () => {
    const registry = new NameRegistry();
    const always = () => 0; // every try draws the same words: abyssal_agassiz, then abyssal_agassiz0
    const first = generateRandomId();
    const second = generateRandomId();
    const third = generateRandomId();
    expect(registry.reserveRequested("", first, always)).toBe("/abyssal_agassiz");
    expect(registry.reserveRequested("", second, always)).toBe("/abyssal_agassiz0");
    expect(registry.reserveRequested("", third, always)).toBe(`/${truncateId(third)}`);
    expect(registry.isGenerated(`/${truncateId(third)}`)).toBe(true);
  });

  it("retries only on a conflict: an invalid requested name fails at once", () => {
    expect(() => new NameRegistry().reserveRequested("x", generateRandomId(), () => 0)).toThrow(SlipwayError);
  });
});
