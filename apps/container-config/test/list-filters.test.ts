import { randomBytes } from "node:crypto";
import { SlipwayError } from "@slipway/errors";
import { describe, expect, it } from "vitest";
import { withDockerdAndSlipway } from "./both.js";
import { STATUS_OF_KIND } from "./flow.js";

// The ps filters that name a container (before, since) and the Windows-only isolation filter, in the live
// dockerd 20.10 and in Slipway, which gets dockerd's container IDs and Created.

const both = withDockerdAndSlipway();
const { dockerd } = both;
const run = randomBytes(3).toString("hex");
const [OLDER, NEWER] = [`slipway-ps-${run}-older`, `slipway-ps-${run}-newer`];

type Answer = { status: number; message?: string; ids?: string[] };

/** GET /containers/json?all=1 on dockerd, its rows narrowed to `ids` (the host has containers of its own). */
async function listInDockerd(filters: Record<string, string[]>, ids: readonly string[]): Promise<Answer> {
  const res = await dockerd.request("GET", `/v1.41/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify(filters))}`);
  if (res.status !== 200) return { status: res.status, message: (JSON.parse(res.body) as { message: string }).message };
  return { status: 200, ids: (JSON.parse(res.body) as { Id: string }[]).map((row) => row.Id).filter((id) => ids.includes(id)) };
}

async function listInSlipway(filters: Record<string, string[]>): Promise<Answer> {
  try {
    const request = { filters: Object.fromEntries(Object.entries(filters).map(([key, values]) => [key, { values }])), all: true, limit: 0 };
    return { status: 200, ids: (await both.h.client.listContainers(request)).containers.map((c) => c.id) };
  } catch (err) {
    if (!(err instanceof SlipwayError)) throw err;
    return { status: STATUS_OF_KIND[err.kind]!, message: err.message };
  }
}

describe("ps filters that name a container, and isolation, as dockerd 20.10 answers them", () => {
  it("take a full ID or a name (any form), never an ID prefix; an unknown one is dockerd's 500", async () => {
    const older = (await both.createInBoth('{"Image":"golden:1"}', OLDER)).theirs.id!;
    const newer = (await both.createInBoth('{"Image":"golden:1"}', NEWER)).theirs.id!;
    const ids = [older, newer];
    const cases: Record<string, string[]>[] = [
      { since: [older] },
      { since: [OLDER] },
      { before: [`/${NEWER}`] },
      { since: [older.slice(0, 12)] },
      { before: [`slipway-ps-${run}-nosuch`] },
      { before: [NEWER, `slipway-ps-${run}-nosuch`] },
      { isolation: ["default"] },
      { isolation: ["hyperv"], name: [NEWER] },
    ];
    for (const filters of cases) {
      const theirs = await listInDockerd(filters, ids);
      expect(await listInSlipway(filters), JSON.stringify(filters)).toEqual(theirs);
    }
    expect(await listInSlipway({ since: [older] })).toEqual({ status: 200, ids: [newer] });
  });
});
