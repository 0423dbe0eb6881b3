import { request, type IncomingMessage } from "node:http";
import { resourceExhausted, unavailable } from "@slipway/errors";
import type { types } from "@slipway/proto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { docker, requireDockerCli } from "./support/docker-cli.js";
import { call } from "./support/http-client.js";
import type { StubBackends } from "./support/stub-backends.js";
import { startStubEngine, type StubEngine } from "./support/stub-engine.js";

/**
 * How GET /events ends, over a stub orchestrator: what the stock CLI shows when the stream fails after its
 * first events (a reader that fell behind), and that the watch is cancelled when `until` comes or the client
 * leaves. The event lines themselves are compared with the real dockerd's in cli-events.test.ts.
 */
let engine: StubEngine;
let stubs: StubBackends;

beforeAll(async () => {
  requireDockerCli();
  engine = await startStubEngine();
  stubs = engine.stubs;
});
afterEach(() => stubs.reset());
afterAll(() => engine?.stop());

const volumeEvent = (name: string): types.Event => ({
  type: "volume",
  action: "create",
  actorId: name,
  attributes: { driver: "local" },
  time: { seconds: 1796638148, nanos: 5 },
});

/** A watch that answers the replay, then waits until the call is cancelled; `cancelled` settles then. */
function watchUntilCancelled() {
  let cancelled!: () => void;
  const done = new Promise<void>((resolve) => (cancelled = resolve));
  const requests: unknown[] = [];
  stubs.orchestrator.watchEvents = async function* (request, ctx) {
    requests.push(request);
    yield { events: [volumeEvent("kept")] };
    await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
    cancelled();
  };
  return { cancelled: done, requests };
}

describe("GET /events", () => {
  it("is cut when the watch fails after its first events: the CLI prints them, then an error, and exits 1", async () => {
    stubs.orchestrator.watchEvents = async function* () {
      yield { events: [] };
      yield { events: [volumeEvent("seen")] };
      throw resourceExhausted("the events stream fell behind: more than 1024 events were waiting to be read");
    };
    const result = await docker(engine.socketPath, ["events", "--format", "{{.Type}} {{.Action}} {{.Actor.ID}}"]);
    expect(result).toEqual({ code: 1, stdout: "volume create seen\n", stderr: "unexpected EOF\n" });
  });

  it("answers a failure before its first answer with the error, as a status", async () => {
    stubs.orchestrator.watchEvents = async function* () {
      yield* [];
      throw unavailable("container-config is still loading its records; retry shortly");
    };
    const result = await docker(engine.socketPath, ["events"]);
    expect(result).toMatchObject({ code: 1, stderr: "Error response from daemon: container-config is still loading its records; retry shortly\n" });
  });

  it("replays with since, and ends when until comes, cancelling the watch", async () => {
    const { cancelled, requests } = watchUntilCancelled();
    const until = (Date.now() + 1000) / 1000;
    const result = await docker(engine.socketPath, ["events", "--since", "1796638000.25", "--until", until.toFixed(3), "--format", "{{.Actor.ID}}"]);
    expect(result).toEqual({ code: 0, stdout: "kept\n", stderr: "" });
    await cancelled;
    expect(requests).toEqual([{ replay: true, since: { seconds: 1796638000, nanos: 250_000_000 } }]);
  });

  it("ends after the replay when until has passed, and leaves out replayed events after it", async () => {
    const { cancelled } = watchUntilCancelled();
    const early = await call(engine.socketPath, "GET", "/v1.41/events?until=1796638148");
    expect(early).toMatchObject({ status: 200, text: "" });
    const late = await call(engine.socketPath, "GET", "/v1.41/events?until=1796638148.000000005");
    expect(late.text).toBe(
      '{"Type":"volume","Action":"create","Actor":{"ID":"kept","Attributes":{"driver":"local"}},"scope":"local","time":1796638148,"timeNano":1796638148000000005}\n',
    );
    await cancelled;
  });

  it("cancels the watch when the client goes away", async () => {
    const { cancelled, requests } = watchUntilCancelled();
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      request({ socketPath: engine.socketPath, path: "/v1.41/events" }, resolve).once("error", reject).end(),
    );
    expect(response.statusCode).toBe(200);
    expect(requests).toEqual([{ replay: false }]);
    response.destroy();
    await cancelled;
  });
});
