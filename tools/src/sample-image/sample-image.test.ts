import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import { sampleImage } from "./sample-image.js";

const dir = mkdtempSync(join(tmpdir(), "slipway-sample-image-"));
const reference = `slipway-sample-test-${randomBytes(4).toString("hex")}:1`;
afterAll(() => {
  execFileSync("docker", ["rmi", "--force", reference], { stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
});

it("is deterministic", () => {
  expect(sampleImage().archive.equals(sampleImage().archive)).toBe(true);
});

it("is an archive the real dockerd's `docker load` accepts, with the layers, Env, Cmd, WORKDIR and VOLUME intact", () => {
  const image = sampleImage(reference);
  const archive = join(dir, "sample.tar");
  writeFileSync(archive, image.archive);
  // Needs a running Docker engine: without one this throws, and the test fails rather than skips.
  expect(execFileSync("docker", ["load", "-i", archive], { encoding: "utf8" })).toBe(`Loaded image: ${reference}\n`);
  const [inspected] = JSON.parse(execFileSync("docker", ["image", "inspect", reference], { encoding: "utf8" }));
  expect(inspected.Id).toBe(image.imageId);
  expect(inspected.RootFS.Layers).toEqual(image.diffIds);
  expect(image.diffIds.length).toBeGreaterThanOrEqual(3);
  expect(inspected.Config).toMatchObject({
    Env: expect.arrayContaining(["GREETING=hello from slipway"]),
    Cmd: ["/bin/sh", "-c", "cat /srv/app/hello.txt; echo $GREETING"],
    WorkingDir: "/srv/app",
    Volumes: { "/data": {} },
  });
});
