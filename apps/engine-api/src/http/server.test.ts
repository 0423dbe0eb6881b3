import { mkdtempSync, rmSync } from "node:fs";
import { request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@slipway/grpc-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineApiServer } from "./server.js";
import { systemRoutes } from "./system-routes.js";

let server: Server;
let dir: string;
let socketPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "engine-api-"));
  socketPath = join(dir, "docker.sock");
  server = createEngineApiServer(systemRoutes, createLogger("engine-api", "silent"));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function call(method: string, path: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.once("error", reject).end();
  });
}

describe("/_ping", () => {
  it("answers GET with OK and the negotiation headers", async () => {
    const r = await call("GET", "/_ping");
    expect(r).toMatchObject({ status: 200, body: "OK" });
    expect(r.headers).toMatchObject({ "api-version": "1.41", ostype: "linux", "docker-experimental": "false" });
  });
  it("answers HEAD without a body", async () => {
    const r = await call("HEAD", "/_ping");
    expect(r).toMatchObject({ status: 200, body: "" });
    expect(r.headers["api-version"]).toBe("1.41");
  });
  it("serves versioned paths and rejects versions above 1.41 like dockerd", async () => {
    expect((await call("GET", "/v1.41/_ping")).status).toBe(200);
    const tooNew = await call("GET", "/v1.99/_ping");
    expect(tooNew.status).toBe(400);
    expect(JSON.parse(tooNew.body)).toEqual({ message: "client version 1.99 is too new. Maximum supported API version is 1.41" });
  });
  it("answers a wrong method with dockerd's 404", async () => {
    const r = await call("POST", "/_ping");
    expect(r.status).toBe(404);
    expect(r.body).toBe('{"message":"page not found"}\n');
  });
});

it("answers endpoints Slipway does not implement with 501 and says where the rest happens", async () => {
  const r = await call("POST", "/v1.41/containers/demo/start");
  expect(r.status).toBe(501);
  expect(r.headers["content-type"]).toBe("application/json");
  expect(JSON.parse(r.body).message).toMatch(/^POST \/containers\/demo\/start is not implemented by Slipway\. .*stock dockerd/);
});
