import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "./support/http-client.js";
import { DATA_ROOT, startStubEngine, type StubEngine } from "./support/stub-engine.js";

// Property-based: requests shaped like the docker CLI's (each route's paths and parameters, with arbitrary
// values, versions, content types and bodies) against engine-api's HTTP layer. The backends answer
// UNIMPLEMENTED, so what is exercised is engine-api's own reading of the request and its answers.

let engine: StubEngine;
beforeAll(async () => {
  engine = await startStubEngine();
});
afterAll(() => engine?.stop());

/** A path segment: a plausible name, arbitrary text (percent-encoded as a client would send it), or raw escapes. */
const segment = fc.oneof(
  fc.constantFrom("demo", "golden:1", "golden", "abc123", "sha256:0", "..", ".", "", "a%2Fb", "%zz", "%", "json", "create"),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const TEMPLATES: readonly ((s: string) => string)[] = [
  () => "/_ping",
  () => "/version",
  () => "/info",
  () => "/containers/json",
  () => "/containers/create",
  (s) => `/containers/${s}/json`,
  (s) => `/containers/${s}`,
  (s) => `/containers/${s}/start`,
  (s) => `/containers/${s}/wait`,
  (s) => `/containers/${s}/archive`,
  (s) => `/containers/${s}/export`,
  (s) => `/containers/${s}/changes`,
  (s) => `/containers/${s}/rename`,
  () => "/containers/prune",
  () => "/images/json",
  () => "/images/load",
  () => "/images/get",
  () => "/images/create",
  () => "/images/prune",
  (s) => `/images/${s}/json`,
  (s) => `/images/${s}/history`,
  (s) => `/images/${s}/tag`,
  (s) => `/images/${s}/push`,
  (s) => `/images/${s}/get`,
  (s) => `/images/${s}`,
  () => "/volumes",
  () => "/volumes/create",
  () => "/volumes/prune",
  (s) => `/volumes/${s}`,
  () => "/auth",
  () => "/events",
  (s) => `/networks/${s}`,
  (s) => `/${s}`,
];
const version = fc.constantFrom("", "/v1.41", "/v1.40", "/v1.12", "/v1.42", "/v9", "/vx", "/v1.41.0");
const PARAMETERS = [
  "all",
  "limit",
  "size",
  "filters",
  "force",
  "v",
  "name",
  "fromImage",
  "tag",
  "repo",
  "platform",
  "path",
  "noprune",
  "quiet",
  "t",
  "until",
  "since",
  "names",
  "link",
];
const value = fc.oneof(
  fc.constantFrom("1", "0", "true", "false", "", "-1", "99999999999999999999", "x", "golden:1"),
  fc.constantFrom(
    '{"label":{"a=b":true}}',
    '{"status":["created"]}',
    '{"before":{"demo":true}}',
    '{"dangling":["true"]}',
    "{",
    "[]",
    "null",
    '{"x":["y"]}',
  ),
  fc.string({ maxLength: 16 }),
  fc.json({ maxDepth: 2 }),
);
const query = fc.array(fc.tuple(fc.constantFrom(...PARAMETERS), value), { maxLength: 4 }).map((pairs) => new URLSearchParams(pairs).toString());
const body = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('{"Image":"golden:1"}', '{"Name":"v1","Driver":"local"}', '{"username":"u","password":"p"}', "{", "[1]", ""),
);
const contentType = fc.constantFrom(undefined, "application/json", "application/x-tar", "text/plain", "application/json; charset=utf-8");
const requests = fc.record({
  method: fc.constantFrom("GET", "POST", "DELETE", "HEAD", "PUT"),
  path: fc.tuple(version, fc.constantFrom(...TEMPLATES), segment).map(([v, template, s]) => v + template(s)),
  query,
  body,
  contentType,
});

/** engine-api's answer to an error its own code did not expect: a bug, whatever the request. */
const BUG = "engine-api failed to handle the request";

describe("engine-api's HTTP layer on generated requests", () => {
  it("answers each with a status, and each refusal with one clean line of JSON", async () => {
    await fc.assert(
      fc.asyncProperty(requests, async ({ method, path, query, body, contentType }) => {
        const headers: Record<string, string> = contentType ? { "Content-Type": contentType } : {};
        // Node sends a GET's or DELETE's body without a length unless told: the server would read it as the next request.
        if (body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(body));
        const reply = await call(engine.socketPath, method, query ? `${path}?${query}` : path, { body, headers });
        expect(reply.status).toBeGreaterThanOrEqual(200);
        expect(reply.status).toBeLessThan(600);
        if (reply.status < 400 || method === "HEAD") return;
        expect(reply.headers["content-type"]).toBe("application/json");
        const { message } = JSON.parse(reply.text) as { message: unknown };
        expect(typeof message).toBe("string");
        expect(message).not.toBe("");
        expect(message).not.toMatch(/\n|undefined(?! behavior)|\[object |ERR_[A-Z_]+/);
        expect(message).not.toContain(DATA_ROOT);
        expect(message).not.toContain(BUG);
      }),
    );
    expect((await call(engine.socketPath, "GET", "/_ping")).text).toBe("OK");
  });
});
