import { SlipwayError } from "@slipway/errors";
import { generateRandomId, truncateId } from "@slipway/docker-spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameRegistry } from "../src/name-registry.js";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => (h = await startHarness()));
afterAll(() => h.stop());

const conflict = (name: string, id: string) =>
  `Conflict. The container name "${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`;

describe("ReserveName over gRPC", () => {
  it("gives one of 200 concurrent reservations of one name to exactly one container", async () => {
    const ids = Array.from({ length: 200 }, () => generateRandomId());
    const results = await Promise.allSettled(ids.map((id) => h.client.reserveName({ name: "demo", containerId: id })));
    const winners = ids.filter((_, i) => results[i]!.status === "fulfilled");
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === "fulfilled") expect(result.value.name).toBe("/demo");
      else expect(result.reason).toMatchObject({ kind: "already_exists", message: conflict("/demo", winners[0]!) });
    }
  });

  it("is idempotent for the holder, accepts the leading slash, and frees the name on release", async () => {
    const [a, b] = [generateRandomId(), generateRandomId()];
    expect(await h.client.reserveName({ name: "/twice", containerId: a })).toEqual({ name: "/twice" });
    expect(await h.client.reserveName({ name: "twice", containerId: a })).toEqual({ name: "/twice" });
    await h.client.releaseName({ name: "twice", containerId: b }); // not b's: nothing happens
    await expect(h.client.reserveName({ name: "twice", containerId: b })).rejects.toMatchObject({ kind: "already_exists" });
    await h.client.releaseName({ name: "/twice", containerId: a });
    expect(await h.client.reserveName({ name: "twice", containerId: b })).toEqual({ name: "/twice" });
  });

  it("rejects invalid names with dockerd's message", async () => {
    for (const name of ["a", "-x", "has space", "ü-name", "/"]) {
      await expect(h.client.reserveName({ name, containerId: generateRandomId() })).rejects.toMatchObject({
        kind: "invalid_argument",
        message: `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      });
    }
  });

  it("generates adjective_surname names when none is asked for", async () => {
    const { name } = await h.client.reserveName({ name: "", containerId: generateRandomId() });
    expect(name).toMatch(/^\/[a-z]+_[a-z]+$/);
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
