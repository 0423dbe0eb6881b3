import { randomBytes } from "node:crypto";
import { generateRandomId } from "@slipway/docker-spec";
import { describe, expect, it } from "vitest";
import { withDockerdAndSlipway } from "./both.js";
import { INVALID, VALID, type CreateCase } from "./cases.js";
import { createViaSlipway, STATUS_OF_KIND } from "./flow.js";

// Each request goes to the live dockerd 20.10 and to Slipway; the files must be identical (dockerd's
// container ID, Created and volume names are handed to Slipway, so nothing needs normalising except a
// generated name), and a rejected request must get the same status class and message.

const both = withDockerdAndSlipway();
const { dockerd } = both;
const run = randomBytes(3).toString("hex");

/** Where two documents first differ, with some context on each side (readable where a long string diff is not). */
function firstDifference(ours: string, theirs: string): { at: number; ours: string; theirs: string } | undefined {
  if (ours === theirs) return undefined;
  let at = 0;
  while (ours[at] === theirs[at]) at++;
  return { at, ours: ours.slice(Math.max(0, at - 60), at + 120), theirs: theirs.slice(Math.max(0, at - 60), at + 120) };
}

const nameFor = (c: CreateCase, i: number) => c.name ?? `slipway-diff-${run}-${i}`;

describe("valid create requests: Slipway writes what dockerd 20.10 writes", () => {
  VALID.forEach((c, i) => {
    it(c.label, async () => {
      const name = nameFor(c, i);
      const { theirs, files, stored, ours } = await both.createInBoth(c.body, name, c.apiVersion);
      expect(ours, JSON.stringify(ours)).toMatchObject({ ok: true });
      if (!ours.ok) return;
      const configV2 =
        name === "" ? ours.configV2.replace(`"Name":${JSON.stringify(ours.name)}`, `"Name":${JSON.stringify(stored.Name)}`) : ours.configV2;
      expect(firstDifference(ours.hostConfig, files.hostConfig)).toBeUndefined();
      expect(firstDifference(configV2, files.configV2)).toBeUndefined();
      expect(ours.warnings).toEqual(theirs.warnings);
    });
  });
});

describe("VolumesFrom another container", () => {
  it.each(["", ":ro"])("copies its mount points as dockerd does (%s), a bind replacing one of them", async (mode) => {
    const source = `slipway-diff-${run}-vsrc${mode.replace(":", "-")}`;
    const sourceBody = JSON.stringify({ Image: "golden:1", HostConfig: { Binds: ["slipway-diff-vf:/n:z", "/tmp:/b:ro", "/etc:/e"] } });
    await both.createInBoth(sourceBody, source);
    const body = JSON.stringify({ Image: "golden:1", HostConfig: { VolumesFrom: [`${source}${mode}`], Binds: ["/srv:/e"] } });
    const { files, stored, ours } = await both.createInBoth(body, `${source}-user`);
    expect(ours, JSON.stringify(ours)).toMatchObject({ ok: true, hostConfig: files.hostConfig });
    if (ours.ok) expect(firstDifference(ours.configV2, files.configV2)).toBeUndefined();
    expect(Object.keys(stored.MountPoints).sort()).toEqual(["/b", "/data", "/e", "/n"]);
  });
});

describe("namespaces shared with another container", () => {
  it("stores container:<name> as container:<full ID> and no networks, as dockerd does", async () => {
    const source = `slipway-diff-${run}-src`;
    const { theirs: created } = await both.createInBoth('{"Image":"golden:1"}', source);
    const body = JSON.stringify({
      Image: "golden:1",
      HostConfig: { NetworkMode: `container:${source}`, IpcMode: `container:${source}`, PidMode: `container:${created.id!.slice(0, 10)}` },
    });
    const { files, ours } = await both.createInBoth(body, `slipway-diff-${run}-shared`);
    expect(ours).toMatchObject({ ok: true, hostConfig: files.hostConfig });
    if (ours.ok) expect(firstDifference(ours.configV2, files.configV2)).toBeUndefined();
  });
});

describe("invalid create requests: the same status class and message as dockerd 20.10", () => {
  INVALID.forEach((c, i) => {
    it(c.label, async () => {
      const name = nameFor(c, i + VALID.length);
      const theirs = await dockerd.create(c.body, name);
      expect(theirs.status, `dockerd accepted ${c.label}`).not.toBe(201);
      const ours = await createViaSlipway(both.h.client, {
        body: c.body,
        imageConfig: both.image.config,
        imageId: both.image.id,
        id: generateRandomId(),
        name,
      });
      expect(ours.ok ? { accepted: true } : { status: STATUS_OF_KIND[ours.kind], message: ours.message }).toEqual({
        status: theirs.status,
        message: theirs.message,
      });
    });
  });
});
