import { generateRandomId } from "@slipway/docker-spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitRequest, prepareRequest, RecordStream } from "./flow.js";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
const [OLD, MIDDLE, NEW] = [generateRandomId(), generateRandomId(), generateRandomId()];

async function create(id: string, created: string, labels: Record<string, string>): Promise<void> {
  const stream = new RecordStream(h.client);
  await stream.prepare(prepareRequest(id, "", { Cmd: ["/bin/true"], Labels: labels }));
  await stream.commit(commitRequest(id, created));
  await stream.ended();
}

const toPrune = async (filters: Record<string, string[]>) =>
  (await h.client.listContainersToPrune({ filters: Object.fromEntries(Object.entries(filters).map(([key, values]) => [key, { values }])) })).ids;

beforeAll(async () => {
  h = await startHarness();
  await create(OLD, "2026-01-01T00:00:00.000000001Z", { tier: "db", keep: "yes" });
  await create(MIDDLE, "2026-01-01T00:00:01Z", { tier: "web" });
  await create(NEW, "2026-01-02T00:00:00Z", {});
});
afterAll(() => h.stop());

describe("ListContainersToPrune", () => {
  it("selects every container, newest first, without filters (none runs here)", async () => {
    expect(await toPrune({})).toEqual([NEW, MIDDLE, OLD]);
  });

  it("applies label, label! and until as dockerd's prune does, until to the nanosecond", async () => {
    expect(await toPrune({ label: ["tier"] })).toEqual([MIDDLE, OLD]);
    expect(await toPrune({ label: ["tier=web"] })).toEqual([MIDDLE]);
    expect(await toPrune({ "label!": ["tier=db", "keep"] })).toEqual([NEW, MIDDLE]);
    expect(await toPrune({ "label!": ["tier=db", "nosuch"] })).toEqual([NEW, MIDDLE, OLD]);
    expect(await toPrune({ until: ["2026-01-01T00:00:00Z"] })).toEqual([]);
    expect(await toPrune({ until: ["2026-01-01T00:00:00.000000001Z"] })).toEqual([OLD]);
    expect(await toPrune({ until: [String(Date.parse("2026-01-01T00:00:01Z") / 1000)], label: ["tier"] })).toEqual([MIDDLE, OLD]);
  });

  it("refuses filters dockerd refuses, with its words and status class", async () => {
    await expect(toPrune({ dangling: ["true"] })).rejects.toMatchObject({ kind: "invalid_argument", message: "Invalid filter 'dangling'" });
    await expect(toPrune({ until: ["1", "2"] })).rejects.toMatchObject({ kind: "internal", message: "more than one until filter specified" });
    await expect(toPrune({ until: ["xyz"] })).rejects.toMatchObject({
      kind: "internal",
      message: 'failed to parse value as time or duration: "xyz"',
    });
  });
});
