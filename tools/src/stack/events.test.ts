import { rmSync } from "node:fs";
import { request, type IncomingMessage } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "./local-stack.js";

/**
 * `docker events` through `npm start`'s layouts: in one process the stores' event streams reach the orchestrator
 * through in-process calls, with --split over unix sockets; both stream live events and replay them.
 */
const started: LocalStack[] = [];
afterAll(async () => {
  await Promise.all(started.map((stack) => stack.stop()));
  for (const stack of started) rmSync(stack.root, { recursive: true, force: true });
}, 60_000);

/** One request to engine-api, answered with its response (not yet read). */
function send(stack: LocalStack, method: string, path: string, body?: object): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: stack.socketPath, method, path, headers: { "Content-Type": "application/json" } }, resolve);
    req.once("error", reject).end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function text(response: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of response) body += chunk;
  return body;
}

/** The next `count` lines of a streamed answer, as "Type Action Actor.ID". */
async function lines(response: IncomingMessage, count: number): Promise<string[]> {
  const seen: string[] = [];
  let rest = "";
  for await (const chunk of response) {
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop()!;
    seen.push(...parts.map(summary));
    if (seen.length >= count) break;
  }
  return seen;
}

function summary(line: string): string {
  const { Type, Action, Actor } = JSON.parse(line) as { Type: string; Action: string; Actor: { ID: string } };
  return `${Type} ${Action} ${Actor.ID}`;
}

describe.each([
  ["in one process", []],
  ["with --split", ["--split"]],
])("GET /events %s", (_layout, args) => {
  it("streams the stores' events live and replays them with since and until", async () => {
    const stack = await startLocalStack(undefined, 60_000, args);
    started.push(stack);
    const since = (Date.now() / 1000).toFixed(3);
    const live = await send(stack, "GET", "/v1.41/events");
    expect(live.statusCode).toBe(200);
    await text(await send(stack, "POST", "/v1.41/volumes/create", { Name: "t24-events-layout" }));
    await text(await send(stack, "DELETE", "/v1.41/volumes/t24-events-layout"));
    const expected = ["volume create t24-events-layout", "volume destroy t24-events-layout"];
    expect(await lines(live, 2)).toEqual(expected);
    const until = (Date.now() / 1000 + 0.001).toFixed(3);
    const replayed = await text(await send(stack, "GET", `/v1.41/events?since=${since}&until=${until}`));
    expect(replayed.split("\n").filter(Boolean).map(summary)).toEqual(expected);
    // A watch never ends by itself: stopping cuts it rather than waiting for it.
    const watching = await send(stack, "GET", "/v1.41/events");
    const cut = new Promise((resolve) => watching.once("error", resolve).once("aborted", resolve).resume());
    const stopped = performance.now();
    expect(await stack.stop()).toBe(0);
    await cut;
    expect(performance.now() - stopped).toBeLessThan(4_000);
  }, 90_000);
});
