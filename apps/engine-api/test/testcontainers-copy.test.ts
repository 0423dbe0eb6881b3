import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenericContainer } from "testcontainers";
import { afterAll, beforeAll, expect, it } from "vitest";
import { docker, requireDockerCli } from "./support/docker-cli.js";
import { goldenArchive } from "./support/golden.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * testcontainers against engine-api: it creates the container, copies files and content into it (PUT
 * /containers/{id}/archive, before the start), then starts it, which Slipway refuses. The copies must be there.
 */
let stack: Stack;
let tmp: string;

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-testcontainers-"));
  stack = await startStack();
  expect(await docker(stack.socketPath, ["load", "-i", goldenArchive(tmp)])).toMatchObject({ code: 0 });
  // testcontainers reads these once, when it first connects; Ryuk's image is not available here.
  process.env.DOCKER_HOST = `unix://${stack.socketPath}`;
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  process.env.TESTCONTAINERS_HOST_OVERRIDE = "127.0.0.1";
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

it("copyContentToContainer and copyFilesToContainer reach the created container before its start is refused", async () => {
  const file = join(tmp, "settings.conf");
  writeFileSync(file, "mode=test\n");
  const container = new GenericContainer("golden:1")
    .withName("t25-cp-testcontainers")
    .withCopyContentToContainer([{ content: "written by testcontainers\n", target: "/srv/app/from-content.txt", mode: 0o640 }])
    .withCopyFilesToContainer([{ source: file, target: "/data/settings.conf" }]);
  await expect(container.start()).rejects.toThrow("does not start containers");
  const cat = async (path: string) => (await docker(stack.socketPath, ["cp", `t25-cp-testcontainers:${path}`, "-"])).stdout;
  expect(await cat("/srv/app/from-content.txt")).toContain("written by testcontainers\n");
  expect(await cat("/data/settings.conf")).toContain("mode=test\n");
  const listing = (await docker(stack.socketPath, ["cp", "t25-cp-testcontainers:/srv/app", "-"])).stdout;
  expect(listing).toContain("app/hello.txt");
});
