import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateRandomId } from "@slipway/docker-spec";
import { SlipwayError } from "@slipway/errors";
import { describe, expect, it } from "vitest";
import { withDockerdAndSlipway } from "./both.js";
import { createViaSlipway, STATUS_OF_KIND } from "./flow.js";

// docker rename in the live dockerd 20.10 and in Slipway, which gets dockerd's container IDs and Created:
// after the same renames the two records must be identical, and refused renames must get the same answers.

const both = withDockerdAndSlipway();
const { dockerd } = both;
const run = randomBytes(3).toString("hex");
const IMAGE_BODY = JSON.stringify({ Image: "golden:1" });

/** POST /containers/{id}/rename on dockerd: its status, and its message when it refuses. */
async function renameInDockerd(idOrName: string, newName: string): Promise<{ status: number; message?: string }> {
  const res = await dockerd.request("POST", `/v1.41/containers/${encodeURIComponent(idOrName)}/rename?name=${encodeURIComponent(newName)}`);
  return res.status === 204 ? { status: 204 } : { status: res.status, message: (JSON.parse(res.body) as { message: string }).message };
}

/** The same rename on Slipway's container-config, answered as engine-api would answer it. */
async function renameInSlipway(idOrName: string, newName: string): Promise<{ status: number; message?: string }> {
  try {
    await both.h.client.renameContainer({ idOrName, newName });
    return { status: 204 };
  } catch (err) {
    if (!(err instanceof SlipwayError)) throw err;
    return { status: STATUS_OF_KIND[err.kind]!, message: err.message };
  }
}

const slipwayRecord = async (idOrName: string) => (await both.h.client.getContainer({ idOrName })).container!;

describe("RenameContainer: the same record changes as dockerd 20.10's rename", () => {
  it("rewrites Name and clears IsAnonymousEndpoint of a container with a generated name, leaving hostconfig.json", async () => {
    const { theirs, files: before } = await both.createInBoth(IMAGE_BODY, "");
    const id = theirs.id!;
    const name = `slipway-rename-${run}-gen`;
    expect(await renameInDockerd(id, name)).toEqual({ status: 204 });
    expect(await renameInSlipway(id.slice(0, 12), name)).toEqual({ status: 204 });
    const files = await dockerd.files(id);
    expect(files.hostConfig).toBe(before.hostConfig);
    const ours = await slipwayRecord(id);
    expect(ours.configV2Json.toString()).toBe(files.configV2);
    expect(ours.hostConfigJson.toString()).toBe(files.hostConfig);
    expect(ours.names).toEqual([`/${name}`]);
  });

  it("moves the link names under a renamed parent and shows a renamed child in its parent's links, as dockerd does", async () => {
    const [child, parent] = [`slipway-rename-${run}-db`, `slipway-rename-${run}-web`];
    const childId = (await both.createInBoth(IMAGE_BODY, child)).theirs.id!;
    const parentId = (await both.createInBoth(JSON.stringify({ Image: "golden:1", HostConfig: { Links: [`${child}:al`] } }), parent)).theirs.id!;
    for (const [target, name] of [
      [child, `${child}2`],
      [parent, `/${parent}2`],
    ] as const) {
      expect(await renameInDockerd(target, name)).toEqual({ status: 204 });
      expect(await renameInSlipway(target, name)).toEqual({ status: 204 });
    }
    expect((await slipwayRecord(childId)).names).toEqual(await dockerd.listNames(childId));
    expect((await slipwayRecord(parentId)).links).toEqual(await dockerd.inspectLinks(parentId));
    for (const id of [childId, parentId]) {
      const files = await dockerd.files(id);
      const ours = await slipwayRecord(id);
      expect({ configV2: ours.configV2Json.toString(), hostConfig: ours.hostConfigJson.toString() }).toEqual(files);
    }
  });

  it("refuses what dockerd refuses, with its status and message, changing nothing", async () => {
    const [name, other] = [`slipway-rename-${run}-a`, `slipway-rename-${run}-b`];
    const id = (await both.createInBoth(IMAGE_BODY, name)).theirs.id!;
    await both.createInBoth(IMAGE_BODY, other);
    const before = (await slipwayRecord(id)).configV2Json.toString();
    for (const [target, newName] of [
      [name, ""],
      [name, name],
      [id.slice(0, 12), `/${name}`],
      [name, other],
      [name, "bad name"],
      [name, "/bad/x"],
      [name, "//x"],
      [name, "-x"],
      [name, "a"],
      [`slipway-rename-${run}-nosuch`, "zz"],
      [`slipway-rename-${run}-nosuch`, "bad name"],
    ] as const) {
      expect(await renameInSlipway(target, newName), `${target} → ${newName}`).toEqual(await renameInDockerd(target, newName));
    }
    expect((await slipwayRecord(id)).configV2Json.toString()).toBe(before);
    expect((await slipwayRecord(id)).names).toEqual([`/${name}`]);
  });
});

describe("RenameContainer in Slipway", () => {
  const createInSlipway = (id: string, name: string) =>
    createViaSlipway(both.h.client, { body: IMAGE_BODY, imageConfig: both.image.config, imageId: both.image.id, id, name });

  it("frees the old name for a create, changes the list version, and survives a restart, with names rebuilt from the records", async () => {
    const [id, name] = [generateRandomId(), `slipway-rename-${run}-old`];
    expect(await createInSlipway(id, name)).toMatchObject({ ok: true });
    const { listVersion } = await both.h.client.getListVersion({});
    await both.h.client.renameContainer({ idOrName: name, newName: `${name}-new` });
    expect((await both.h.client.getListVersion({})).listVersion).not.toBe(listVersion);
    const { containers } = await both.h.client.listContainers({ filters: { name: { values: [`^/${name}-new$`] } }, all: true, limit: 0 });
    expect(containers.map((c) => c.id)).toEqual([id]);
    const reuser = generateRandomId();
    expect(await createInSlipway(reuser, name)).toMatchObject({ ok: true, name: `/${name}` });
    await both.restart();
    expect((await slipwayRecord(id)).names).toEqual([`/${name}-new`]);
    expect((await slipwayRecord(name)).id).toBe(reuser);
  });

  it("keeps the old name, and leaves nothing behind, when the record cannot be rewritten", async () => {
    const [id, name] = [generateRandomId(), `slipway-rename-${run}-stuck`];
    expect(await createInSlipway(id, name)).toMatchObject({ ok: true });
    const containers = join(both.h.dataRoot, "containers");
    const record = join(containers, id);
    // An immutable directory refuses the rename into it, even to root.
    execFileSync("chattr", ["+i", record]);
    try {
      await expect(both.h.client.renameContainer({ idOrName: id, newName: `${name}-new` })).rejects.toMatchObject({ kind: "internal" });
    } finally {
      execFileSync("chattr", ["-i", record]);
    }
    expect((await slipwayRecord(id)).names).toEqual([`/${name}`]);
    expect(JSON.parse(await readFile(join(record, "config.v2.json"), "utf8"))).toMatchObject({ Name: `/${name}` });
    expect((await readdir(containers)).filter((entry) => entry.startsWith("."))).toEqual([]);
    await both.h.client.renameContainer({ idOrName: id, newName: `${name}-new` });
    expect((await slipwayRecord(`${name}-new`)).id).toBe(id);
  });

  it("sweeps at start-up the new file a crash left before its rename, the old record intact", async () => {
    const [id, name] = [generateRandomId(), `slipway-rename-${run}-crash`];
    expect(await createInSlipway(id, name)).toMatchObject({ ok: true });
    const containers = join(both.h.dataRoot, "containers");
    const record = await readFile(join(containers, id, "config.v2.json"), "utf8");
    await writeFile(join(containers, `.tmp-${id}-config.v2.json`), record.replace(`"/${name}"`, `"/${name}-new"`), { mode: 0o600 });
    await both.restart();
    expect((await slipwayRecord(id)).names).toEqual([`/${name}`]);
    expect((await readdir(containers)).filter((entry) => entry.startsWith("."))).toEqual([]);
  });
});
