import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { derivedImageArchive, type DerivedImage } from "./support/derived-images.js";
import { DOCKER_CLI, docker, requireDockerCli } from "./support/docker-cli.js";
import { call } from "./support/http-client.js";
import { goldenArchive } from "./support/golden.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * `docker events` against the real dockerd and Slipway (the apps as processes): the same actions on objects
 * of this run alone (an image of its own, containers and volumes named for it), watched as they happen and
 * replayed with --since/--until, compared once IDs and times are normalised. On the real dockerd, afterAll
 * removes whatever a failed step left.
 */
const REAL_DOCKERD = "/var/run/docker.sock";
const RUN = `t24-events-${process.pid}`;
const IMAGE = `${RUN}:1`;
const TAG = `${RUN}:2`;
const CONTAINER = `${RUN}-a`;
const RENAMED = `${RUN}-b`;
const VOLUME = `${RUN}-vol`;

interface Message {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: string;
  time: number;
  timeNano: number;
}

interface Session {
  /** What `docker events --format '{{json .}}'` printed while the actions ran. */
  readonly live: Message[];
  /** Unix seconds with nanoseconds around the actions, as the CLI sends them. */
  readonly since: string;
  readonly until: string;
  readonly imageId: string;
  /** The anonymous volume the create made. */
  readonly anonymousVolume: string;
  readonly containerId: string;
}

let stack: Stack;
let tmp: string;
let image: DerivedImage;
const sessions: Record<"dockerd" | "slipway", Session | undefined> = { dockerd: undefined, slipway: undefined };

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-events-"));
  image = derivedImageArchive(goldenArchive(tmp), tmp, { tags: [IMAGE], labels: { [RUN]: "image" }, content: RUN });
  stack = await startStack();
  [sessions.dockerd, sessions.slipway] = await Promise.all([session(REAL_DOCKERD), session(stack.socketPath)]);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  await docker(REAL_DOCKERD, ["rm", "-fv", CONTAINER, RENAMED]);
  await docker(REAL_DOCKERD, ["volume", "rm", "-f", VOLUME]);
  await docker(REAL_DOCKERD, ["rmi", "-f", IMAGE, TAG]);
  rmSync(tmp, { recursive: true, force: true });
});

/** The actions, on one engine, while `docker events` streams; the stream is stopped once the last event arrived. */
async function session(socket: string): Promise<Session> {
  const cli = async (...args: string[]) => {
    const result = await docker(socket, args);
    expect(result, `docker ${args.join(" ")}`).toMatchObject({ code: 0 });
    return result.stdout.trim();
  };
  const since = unixNow();
  const watcher = streamEvents(socket, since);
  await cli("load", "-i", image.archive);
  await cli("tag", IMAGE, TAG);
  const containerId = await cli("create", "--name", CONTAINER, "--label", "a=1", "--label", `${RUN}=container`, IMAGE);
  const anonymousVolume = await cli("inspect", "--format", "{{range .Mounts}}{{.Name}}{{end}}", CONTAINER);
  await cli("rename", CONTAINER, RENAMED);
  await cli("rm", "-v", RENAMED);
  await cli("volume", "create", VOLUME);
  await cli("volume", "rm", VOLUME);
  await cli("save", "-o", join(tmp, `${socket === REAL_DOCKERD ? "dockerd" : "slipway"}.tar`), TAG);
  await cli("rmi", TAG);
  await cli("rmi", IMAGE);
  const until = unixNow();
  const live = await watcher.stopAfter((messages) => messages.some((m) => m.Action === "delete" && m.Actor.ID === image.id));
  return { live, since, until, imageId: image.id, anonymousVolume, containerId };
}

/**
 * `docker events --since <since> --format '{{json .}}'` running until stopped, its lines parsed: what happened
 * before the CLI subscribed is replayed, the rest streamed live.
 */
function streamEvents(socket: string, since: string) {
  const child = spawn(DOCKER_CLI, ["-H", `unix://${socket}`, "events", "--since", since, "--format", "{{json .}}"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", DOCKER_CONFIG: join(tmpdir(), "slipway-engine-api-docker-config") },
  });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  const parsed = () =>
    stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Message);
  return {
    async stopAfter(done: (messages: Message[]) => boolean): Promise<Message[]> {
      for (let waited = 0; !done(parsed()) && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      child.kill();
      await new Promise((resolve) => child.once("close", resolve));
      return parsed();
    },
  };
}

function unixNow(): string {
  const nanos = BigInt(Date.now()) * 1_000_000n;
  return `${nanos / 1_000_000_000n}.${(nanos % 1_000_000_000n).toString().padStart(9, "0")}`;
}

/** This run's events only (the real dockerd is shared), with IDs as placeholders and the times checked and left out. */
function normalised(messages: readonly Message[], { imageId, anonymousVolume, containerId }: Session): unknown[] {
  const mine = messages.filter(
    (m) => m.Actor.ID === imageId || m.Actor.ID === anonymousVolume || m.Actor.ID === containerId || m.Actor.ID.startsWith(RUN),
  );
  return mine.map(({ time, timeNano, ...rest }) => {
    expect(time).toBe(Math.floor(timeNano / 1e9));
    return JSON.parse(
      JSON.stringify(rest).replaceAll(imageId, "<image>").replaceAll(anonymousVolume, "<volume>").replaceAll(containerId, "<container>"),
    ) as unknown;
  });
}

/** `docker events` over the session's window with extra arguments, normalised. */
async function replay(engine: "dockerd" | "slipway", ...args: string[]): Promise<unknown[]> {
  const s = sessions[engine]!;
  const socket = engine === "dockerd" ? REAL_DOCKERD : stack.socketPath;
  const result = await docker(socket, ["events", "--since", s.since, "--until", s.until, "--format", "{{json .}}", ...args]);
  expect(result).toMatchObject({ code: 0, stderr: "" });
  return normalised(
    result.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Message),
    s,
  );
}

describe("docker events", () => {
  it("streams what dockerd streams for the same actions: types, actions, attributes, legacy fields and order", () => {
    const dockerd = normalised(sessions.dockerd!.live, sessions.dockerd!);
    expect(dockerd.map((m) => `${(m as Message).Type} ${(m as Message).Action}`)).toEqual([
      "image load",
      "image tag",
      "volume create",
      "container create",
      "container rename",
      "volume destroy",
      "container destroy",
      "volume create",
      "volume destroy",
      "image save",
      "image untag",
      "image untag",
      "image delete",
    ]);
    expect(normalised(sessions.slipway!.live, sessions.slipway!)).toEqual(dockerd);
  });

  it("replays the same events with --since and --until, and ends after them", async () => {
    const [dockerd, slipway] = await Promise.all([replay("dockerd"), replay("slipway")]);
    expect(dockerd).toEqual(normalised(sessions.dockerd!.live, sessions.dockerd!));
    expect(slipway).toEqual(dockerd);
  });

  it.each([
    ["type", ["--filter", "type=volume"]],
    ["event", ["--filter", "event=untag", "--filter", "event=rename"]],
    ["container by name prefix", ["--filter", `container=${RUN}-b`]],
    ["image by name", ["--filter", `image=${IMAGE}`]],
    ["image by name without tag", ["--filter", `image=${RUN}`]],
    ["volume", ["--filter", `volume=${VOLUME}`]],
    ["label key", ["--filter", `label=${RUN}`]],
    ["label key=value", ["--filter", `label=${RUN}=container`]],
    ["type and event together", ["--filter", "type=container", "--filter", "event=destroy"]],
  ])("filters by %s as dockerd does", async (_name, args) => {
    const [dockerd, slipway] = await Promise.all([replay("dockerd", ...args), replay("slipway", ...args)]);
    expect(dockerd.length).toBeGreaterThan(0);
    expect(slipway).toEqual(dockerd);
  });

  it("reads since and until as dockerd does: RFC 3339 and durations are the CLI's, a bad time and until before since are refused", async () => {
    const since = new Date(Number(sessions.slipway!.since.split(".")[0]) * 1000 - 1000).toISOString();
    // The CLI sends `--until 0s` as whole seconds: events of the current second would come after it.
    await new Promise((resolve) => setTimeout(resolve, 1_010 - (Date.now() % 1_000)));
    const result = await docker(stack.socketPath, ["events", "--since", since, "--until", "0s", "--format", "{{.Type}} {{.Action}}"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("container rename\n");
    for (const query of ["since=abc&until=1", "since=5&until=3", "since=1.5x&until=9"]) {
      const [dockerd, slipway] = await Promise.all([
        call(REAL_DOCKERD, "GET", `/v1.41/events?${query}`),
        call(stack.socketPath, "GET", `/v1.41/events?${query}`),
      ]);
      expect({ status: slipway.status, text: slipway.text }).toEqual({ status: dockerd.status, text: dockerd.text });
    }
  });
});
