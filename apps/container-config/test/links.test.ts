import { randomBytes } from "node:crypto";
import { generateRandomId } from "@slipway/docker-spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dockerd } from "./dockerd.js";
import { createViaSlipway } from "./flow.js";
import { startHarness, type Harness } from "./harness.js";

// Legacy links: the same containers are made in the live dockerd 20.10 and in Slipway; the files must be
// identical and the linked container must be listed under the same names.

const dockerd = new Dockerd();
let h: Harness;
let image: { id: string; config: Buffer };
const run = randomBytes(3).toString("hex");

beforeAll(async () => {
  h = await startHarness();
  const id = await dockerd.imageId("golden:1");
  image = { id, config: await dockerd.imageConfig(id) };
});
afterAll(async () => {
  await dockerd.cleanup();
  await h?.stop();
});

/** Creates the container in dockerd, then in Slipway with dockerd's ID, time and volume names; returns the ID. */
async function createInBoth(name: string, body: object): Promise<{ id: string; ours: Awaited<ReturnType<typeof createViaSlipway>>; files: { configV2: string; hostConfig: string } }> {
  const json = JSON.stringify(body);
  const theirs = await dockerd.create(json, name);
  expect(theirs, `dockerd refused: ${theirs.message}`).toMatchObject({ status: 201 });
  const files = await dockerd.files(theirs.id!);
  const stored = JSON.parse(files.configV2) as { Created: string; MountPoints: Record<string, { Name: string; Source: string }> };
  const ours = await createViaSlipway(h.client, {
    body: json, imageConfig: image.config, imageId: image.id, id: theirs.id!, name, created: stored.Created, dockerdMountPoints: stored.MountPoints,
  });
  return { id: theirs.id!, ours, files };
}

const slipwayNames = async (id: string) => (await h.client.getContainer({ idOrName: id })).container!.names;

describe("links (HostConfig.Links on the default network)", () => {
  it("store the request's links, and make the linked container known as /<name>/<alias>, as dockerd does", async () => {
    const child = `slipway-link-${run}-db`;
    const parent = `slipway-link-${run}-web`;
    const { id: childId } = await createInBoth(child, { Image: "golden:1" });
    const { ours, files } = await createInBoth(parent, { Image: "golden:1", HostConfig: { Links: [`${child}:db`, child] } });
    expect(ours).toMatchObject({ ok: true, hostConfig: files.hostConfig });
    if (ours.ok) expect(ours.configV2).toBe(files.configV2);
    const listed = await dockerd.listNames(childId);
    expect(listed).toEqual([`/${child}`, `/${parent}/${child}`, `/${parent}/db`].sort());
    expect(await slipwayNames(childId)).toEqual(listed);
    // dockerd's inspect shows them in map order; Slipway sorts them.
    expect((await h.client.getContainer({ idOrName: parent })).container!.links).toEqual([`/${child}:/${parent}/db`, `/${child}:/${parent}/${child}`]);
    expect(await dockerd.inspectLinks(parent).then((links) => links.sort())).toEqual([`/${child}:/${parent}/db`, `/${child}:/${parent}/${child}`].sort());
  });

  it("are rebuilt from hostconfig.json at start, and go with the container that holds them", async () => {
    const child = generateRandomId();
    const parent = generateRandomId();
    await createViaSlipway(h.client, { body: '{"Image":"golden:1"}', imageConfig: image.config, imageId: image.id, id: child, name: "restart-db" });
    await createViaSlipway(h.client, {
      body: JSON.stringify({ Image: "golden:1", HostConfig: { Links: ["restart-db:db"] } }), imageConfig: image.config, imageId: image.id, id: parent, name: "restart-web",
    });
    const root = h.dataRoot;
    await h.stop(true);
    h = await startHarness(root);
    expect(await slipwayNames(child)).toEqual(["/restart-db", "/restart-web/db"]);
    await h.client.deleteContainer({ idOrName: "restart-web" });
    expect(await slipwayNames(child)).toEqual(["/restart-db"]);
    await h.client.deleteContainer({ idOrName: "restart-db" });
  });

  it("refuse a link to a container on the host network, following container: network modes", async () => {
    const hostNet = generateRandomId();
    const sharing = generateRandomId();
    await createViaSlipway(h.client, { body: JSON.stringify({ Image: "golden:1", HostConfig: { NetworkMode: "host" } }), imageConfig: image.config, imageId: image.id, id: hostNet, name: "on-host" });
    await createViaSlipway(h.client, {
      body: JSON.stringify({ Image: "golden:1", HostConfig: { NetworkMode: "container:on-host" } }), imageConfig: image.config, imageId: image.id, id: sharing, name: "sharing",
    });
    const out = await createViaSlipway(h.client, {
      body: JSON.stringify({ Image: "golden:1", HostConfig: { Links: ["sharing:s"] } }), imageConfig: image.config, imageId: image.id, id: generateRandomId(), name: "linker",
    });
    expect(out).toEqual({ ok: false, kind: "invalid_argument", message: "conflicting options: host type networking can't be used with links. This would result in undefined behavior" });
  });
});
