import { randomBytes } from "node:crypto";
import { generateRandomId } from "@slipway/docker-spec";
import { describe, expect, it } from "vitest";
import { withDockerdAndSlipway } from "./both.js";
import { createViaSlipway } from "./flow.js";

// Legacy links: the same containers are made in the live dockerd 20.10 and in Slipway; the files must be
// identical and the linked container must be listed under the same names.

const both = withDockerdAndSlipway();
const { dockerd } = both;
const run = randomBytes(3).toString("hex");

const slipwayNames = async (id: string) => (await both.h.client.getContainer({ idOrName: id })).container!.names;
/** A create in Slipway alone, with golden:1. */
const createInSlipway = (id: string, name: string, hostConfig: object = {}) =>
  createViaSlipway(both.h.client, {
    body: JSON.stringify({ Image: "golden:1", HostConfig: hostConfig }),
    imageConfig: both.image.config,
    imageId: both.image.id,
    id,
    name,
  });

describe("links (HostConfig.Links on the default network)", () => {
  it("store the request's links, and make the linked container known as /<name>/<alias>, as dockerd does", async () => {
    const child = `slipway-link-${run}-db`;
    const parent = `slipway-link-${run}-web`;
    const childId = (await both.createInBoth(JSON.stringify({ Image: "golden:1" }), child)).theirs.id!;
    const { ours, files } = await both.createInBoth(JSON.stringify({ Image: "golden:1", HostConfig: { Links: [`${child}:db`, child] } }), parent);
    expect(ours).toMatchObject({ ok: true, hostConfig: files.hostConfig });
    if (ours.ok) expect(ours.configV2).toBe(files.configV2);
    const listed = await dockerd.listNames(childId);
    expect(listed).toEqual([`/${child}`, `/${parent}/${child}`, `/${parent}/db`].sort());
    expect(await slipwayNames(childId)).toEqual(listed);
    // dockerd's inspect shows them in map order; Slipway sorts them.
    expect((await both.h.client.getContainer({ idOrName: parent })).container!.links).toEqual([
      `/${child}:/${parent}/db`,
      `/${child}:/${parent}/${child}`,
    ]);
    expect(await dockerd.inspectLinks(parent).then((links) => links.sort())).toEqual(
      [`/${child}:/${parent}/db`, `/${child}:/${parent}/${child}`].sort(),
    );
  });

  it("are rebuilt from hostconfig.json at start, and go with the container that holds them", async () => {
    const child = generateRandomId();
    const parent = generateRandomId();
    await createInSlipway(child, "restart-db");
    await createInSlipway(parent, "restart-web", { Links: ["restart-db:db"] });
    await both.restart();
    expect(await slipwayNames(child)).toEqual(["/restart-db", "/restart-web/db"]);
    await both.h.client.deleteContainer({ idOrName: "restart-web" });
    expect(await slipwayNames(child)).toEqual(["/restart-db"]);
    await both.h.client.deleteContainer({ idOrName: "restart-db" });
  });

  it("refuse a link to a container on the host network, following container: network modes", async () => {
    const hostNet = generateRandomId();
    const sharing = generateRandomId();
    await createInSlipway(hostNet, "on-host", { NetworkMode: "host" });
    await createInSlipway(sharing, "sharing", { NetworkMode: "container:on-host" });
    const out = await createInSlipway(generateRandomId(), "linker", { Links: ["sharing:s"] });
    expect(out).toEqual({
      ok: false,
      kind: "invalid_argument",
      message: "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
    });
  });
});
