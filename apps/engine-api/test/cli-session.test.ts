import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKERD_CONTAINERS_JSON, DOCKERD_IMAGES_JSON } from "./fixtures/dockerd-bodies.js";
import { docker, requireDockerCli } from "./support/docker-cli.js";
import { call } from "./support/http-client.js";
import { archiveImageId, goldenArchive, tree } from "./support/golden.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * Issue 6's "Done when" session: the five apps as processes, driven by the stock docker CLI through the
 * engine-api socket. The steps build on each other and run in order.
 */
const REAL_DOCKERD = "/var/run/docker.sock";
let stack: Stack;
let tmp: string;
let archive: string;
let imageId: string;
let beforeLoad: string[];
let containerId: string;

const cli = (...args: string[]) => docker(stack.socketPath, args);
const withoutRepositoriesJson = (entries: string[]) => entries.filter((e) => !e.endsWith(" image/overlay2/repositories.json"));

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-session-"));
  archive = goldenArchive(tmp);
  imageId = archiveImageId(archive);
  stack = await startStack();
  beforeLoad = tree(stack.dataRoot);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe("the docker CLI session of the README", () => {
  it("docker load -i golden.tar prints 'Loaded image: golden:1'", async () => {
    expect(await cli("load", "-i", archive)).toMatchObject({ code: 0, stdout: "Loaded image: golden:1\n", stderr: "" });
  });

  it("docker images lists golden:1 with the ID and size the real dockerd shows for it", async () => {
    const format = ["--format", "{{.Repository}} {{.Tag}} {{.ID}} {{.Size}}"];
    const real = await docker(REAL_DOCKERD, ["images", ...format, "--filter", `reference=golden:1`]);
    expect(real.stdout, "the real dockerd must hold the golden:1 the archive was saved from").toContain(imageId.slice(7, 19));
    const slipway = await cli("images", ...format);
    expect(slipway).toMatchObject({ code: 0, stdout: real.stdout });
  });

  it("GET /images/json is dockerd's body, the image's ID and creation time aside", async () => {
    const body = (await call(stack.socketPath, "GET", "/v1.41/images/json")).text;
    const [row] = JSON.parse(body) as { Id: string; Created: number }[];
    expect(row!.Id).toBe(imageId);
    const [golden] = JSON.parse(DOCKERD_IMAGES_JSON) as { Id: string; Created: number }[];
    expect(body).toBe(DOCKERD_IMAGES_JSON.replace(golden!.Id, row!.Id).replace(`"Created":${golden!.Created}`, `"Created":${row!.Created}`));
    // Unix seconds of the image config's creation time.
    const { Created } = JSON.parse((await call(stack.socketPath, "GET", "/v1.41/images/golden:1/json")).text) as { Created: string };
    expect(row!.Created).toBe(Math.floor(Date.parse(Created) / 1000));
  });

  it("docker tag and docker rmi of the extra tag", async () => {
    expect(await cli("tag", "golden:1", "golden:2")).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect((await cli("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")).stdout.split("\n").sort()).toEqual([
      "",
      `golden:1 ${imageId.slice(7, 19)}`,
      `golden:2 ${imageId.slice(7, 19)}`,
    ]);
    expect(await cli("rmi", "golden:2")).toMatchObject({ code: 0, stdout: "Untagged: golden:2\n" });
  });

  it("docker save golden:1 writes the archive dockerd saved, byte for byte", async () => {
    const saved = join(tmp, "saved.tar");
    expect(await cli("save", "golden:1", "-o", saved)).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(readFileSync(saved).equals(readFileSync(archive))).toBe(true);
    expect(await cli("save", "nosuch:1", "-o", join(tmp, "nosuch.tar"))).toMatchObject({ code: 1 });
  });

  it("docker create -it --name demo golden:1 prints a 64-hex ID", async () => {
    // An empty list first: engine-api keeps that body, and the create must make it answer the new one (next test).
    expect((await cli("ps", "-a", "--no-trunc", "--format", "{{.ID}}|{{.Names}}|{{.Image}}|{{.Command}}|{{.Status}}")).stdout).toBe("");
    const r = await cli("create", "-it", "--name", "demo", "golden:1");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    containerId = r.stdout.trim();
  });

  it("docker ps -a shows demo as Created with its image and command", async () => {
    const r = await cli("ps", "-a", "--no-trunc", "--format", "{{.ID}}|{{.Names}}|{{.Image}}|{{.Command}}|{{.Status}}");
    expect(r).toMatchObject({ code: 0, stdout: `${containerId}|demo|golden:1|"/bin/sh -c 'cat /srv/app/hello.txt; echo $GREETING'"|Created\n` });
    const table = await cli("ps", "-a");
    expect(table.stdout).toMatch(new RegExp(`^${containerId.slice(0, 12)} +golden:1 +"/bin/sh -c 'cat /sr…" +.+ago +Created +demo$`, "m"));
    // Filtering is the server's; plain `docker ps` lists running containers only, and Slipway runs none.
    expect((await cli("ps", "-aq", "--no-trunc", "--filter", "name=demo", "--filter", "status=created")).stdout).toBe(`${containerId}\n`);
    expect((await cli("ps", "-aq", "--filter", "name=other")).stdout).toBe("");
    expect((await cli("ps", "-q")).stdout).toBe("");
  });

  it("GET /containers/json is dockerd's body, IDs, creation time and volume name aside", async () => {
    const body = (await call(stack.socketPath, "GET", "/v1.41/containers/json?all=1")).text;
    type Row = { Id: string; ImageID: string; Created: number; Mounts: { Name: string }[] };
    const [row] = JSON.parse(body) as Row[];
    const [golden] = JSON.parse(DOCKERD_CONTAINERS_JSON) as Row[];
    expect(row).toMatchObject({ Id: containerId, ImageID: imageId });
    const expected = [
      [golden!.Id, row!.Id],
      [golden!.ImageID, row!.ImageID],
      [`"Created":${golden!.Created}`, `"Created":${row!.Created}`],
      [golden!.Mounts[0]!.Name, row!.Mounts[0]!.Name],
    ].reduce((text, [from, to]) => text.replace(from!, to!), DOCKERD_CONTAINERS_JSON);
    expect(body).toBe(expected);
    // Unix seconds of the container's creation time.
    const { Created } = JSON.parse((await call(stack.socketPath, "GET", "/v1.41/containers/demo/json")).text) as { Created: string };
    expect(row!.Created).toBe(Math.floor(Date.parse(Created) / 1000));
  });

  it("docker inspect demo prints the container's document", async () => {
    const r = await cli("inspect", "demo");
    expect(r.code).toBe(0);
    const [doc] = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(doc).toMatchObject({ Id: containerId, Name: "/demo", Image: imageId, Driver: "overlay2", State: { Status: "created" } });
    expect((await cli("container", "inspect", "--format", "{{.State.Status}}", "demo")).stdout).toBe("created\n");
  });

  it("docker inspect falls through to the image for golden:1, and to 'No such object' for nosuch", async () => {
    const [image] = JSON.parse((await cli("inspect", "golden:1")).stdout) as { Id: string }[];
    expect(image!.Id).toBe(imageId);
    expect(await cli("inspect", "nosuch")).toMatchObject({ code: 1, stderr: "Error: No such object: nosuch\n" });
  });

  it("docker info counts the container and the image and names the data root", async () => {
    const r = await cli("info");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ Containers: 1\n  Running: 0\n  Paused: 0\n  Stopped: 1\n Images: 1\n/);
    expect(r.stdout).toContain(` Docker Root Dir: ${stack.dataRoot}\n`);
  });

  it("docker rmi golden:1 is refused while demo uses it, and docker rm nosuch names what is missing", async () => {
    expect(await cli("rmi", "golden:1")).toMatchObject({
      code: 1,
      stderr:
        `Error response from daemon: conflict: unable to remove repository reference "golden:1" (must force) - ` +
        `container ${containerId.slice(0, 12)} is using its referenced image ${imageId.slice(7, 19)}\n`,
    });
    expect(await cli("rm", "nosuch")).toMatchObject({ code: 1, stderr: "Error response from daemon: No such container: nosuch\n" });
  });

  it("a second docker create --name demo fails with dockerd's conflict message", async () => {
    expect(await cli("create", "--name", "demo", "golden:1")).toMatchObject({
      code: 1,
      stdout: "",
      stderr:
        `Error response from daemon: Conflict. The container name "/demo" is already in use by container "${containerId}". ` +
        "You have to remove (or rename) that container to be able to reuse that name.\n",
    });
  });

  it("docker create --pull=never nosuch:1 fails with dockerd's No such image", async () => {
    expect(await cli("create", "--pull=never", "nosuch:1")).toMatchObject({
      code: 1,
      stderr: "Error response from daemon: No such image: nosuch:1\n",
    });
  });

  it("docker rm -v demo removes the container, its layers and its anonymous volume", async () => {
    const [doc] = JSON.parse((await cli("inspect", "demo")).stdout) as { Mounts: { Name: string }[] }[];
    const volume = doc!.Mounts[0]!.Name;
    const mountId = readFileSync(join(stack.dataRoot, "image/overlay2/layerdb/mounts", containerId, "mount-id"), "utf8");
    expect(await cli("rm", "-v", "demo")).toMatchObject({ code: 0, stdout: "demo\n", stderr: "" });
    for (const gone of [
      `containers/${containerId}`,
      `image/overlay2/layerdb/mounts/${containerId}`,
      `overlay2/${mountId}`,
      `overlay2/${mountId}-init`,
      `volumes/${volume}`,
    ]) {
      expect(existsSync(join(stack.dataRoot, gone)), gone).toBe(false);
    }
    expect((await cli("ps", "-a", "-q")).stdout).toBe("");
  });

  it("docker volume create, create -v name:/path and --mount type=volume, volume ls/inspect, rm refused in use, kept by rm -v", async () => {
    expect(await cli("volume", "create", "cli-vol")).toMatchObject({ code: 0, stdout: "cli-vol\n" });
    const created = await cli("create", "--name", "withvol", "-v", "cli-vol:/data", "--mount", "type=volume,src=cli-vol2,dst=/srv", "golden:1");
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect((await cli("volume", "ls", "--format", "{{.Driver}} {{.Name}}")).stdout).toBe("local cli-vol\nlocal cli-vol2\n");
    const [inspected] = JSON.parse((await cli("volume", "inspect", "cli-vol")).stdout) as Record<string, unknown>[];
    expect(inspected).toEqual({
      CreatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      Driver: "local",
      Labels: null,
      Mountpoint: join(stack.dataRoot, "volumes/cli-vol/_data"),
      Name: "cli-vol",
      Options: null,
      Scope: "local",
    });
    const [container] = JSON.parse((await cli("inspect", "withvol")).stdout) as { Mounts: { Name: string; Destination: string }[] }[];
    expect(container!.Mounts.map((m) => `${m.Name}:${m.Destination}`).sort()).toEqual(["cli-vol2:/srv", "cli-vol:/data"]);
    expect(await cli("volume", "rm", "cli-vol")).toMatchObject({
      code: 1,
      stderr: `Error response from daemon: remove cli-vol: volume is in use - [${id}]\n`,
    });
    expect((await cli("volume", "ls", "-q", "-f", "dangling=true")).stdout).toBe("");
    expect(await cli("rm", "-v", "withvol")).toMatchObject({ code: 0, stdout: "withvol\n" });
    expect((await cli("volume", "ls", "-q", "-f", "dangling=true")).stdout).toBe("cli-vol\ncli-vol2\n");
    expect(await cli("volume", "rm", "cli-vol", "cli-vol2")).toMatchObject({ code: 0, stdout: "cli-vol\ncli-vol2\n" });
    expect(await cli("volume", "rm", "nosuch")).toMatchObject({ code: 1, stderr: "Error response from daemon: get nosuch: no such volume\n" });
    expect(existsSync(join(stack.dataRoot, "volumes/cli-vol"))).toBe(false);
  });

  it("docker rmi golden:1 removes the image and every layer: the data root is as before the load", async () => {
    const r = await cli("rmi", "golden:1");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Untagged: golden:1\nDeleted: ${imageId}\n(Deleted: sha256:[0-9a-f]{64}\n){4}$`));
    // `docker volume create` above made dockerd's volume database, which outlives the volumes.
    const expected = [...withoutRepositoriesJson(beforeLoad), "file volumes/metadata.db"].sort();
    expect(withoutRepositoriesJson(tree(stack.dataRoot))).toEqual(expected);
    expect((await cli("images", "-q")).stdout).toBe("");
  });
});
