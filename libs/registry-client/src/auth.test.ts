import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Authorizer, repositoryScope, type AuthConfig } from "./auth.js";
import { parseChallenges } from "./challenge.js";
import type { HttpRequest, HttpResponse } from "./transport.js";

const ORIGIN = "https://registry.test";
const bearer = parseChallenges('Bearer realm="https://auth.test/token?x=1",service="registry.test"');
const basic = parseChallenges('Basic realm="r"');

function answer(status: number, body: unknown): HttpResponse {
  return {
    status,
    statusText: status === 200 ? "OK" : "Unauthorized",
    url: "",
    body: Readable.from([Buffer.from(JSON.stringify(body))]),
    header: () => undefined,
  };
}

function tokenServer(reply: (request: HttpRequest) => HttpResponse = () => answer(200, { token: "t1", expires_in: 300 })) {
  const requests: HttpRequest[] = [];
  return { requests, send: async (request: HttpRequest) => (requests.push(request), reply(request)) };
}

function authorizer(credentials: AuthConfig, server = tokenServer(), extra: Partial<ConstructorParameters<typeof Authorizer>[0]> = {}) {
  return new Authorizer({
    challenges: bearer,
    origin: ORIGIN,
    credentials,
    scopes: [repositoryScope("library/alpine", ["pull"])],
    send: server.send,
    ...extra,
  });
}

const target = new URL(`${ORIGIN}/v2/library/alpine/manifests/latest`);

describe("Authorizer with a Bearer challenge", () => {
  it("gets a token with GET and Basic credentials, query ordered as Go encodes it", async () => {
    const server = tokenServer();
    expect(await authorizer({ username: "alice", password: "pw" }, server).authorization(target)).toBe("Bearer t1");
    const [request] = server.requests;
    expect(request!.method).toBe("GET");
    expect(request!.url).toBe("https://auth.test/token?account=alice&scope=repository%3Alibrary%2Falpine%3Apull&service=registry.test&x=1");
    expect(request!.headers).toEqual({ authorization: `Basic ${Buffer.from("alice:pw").toString("base64")}` });
  });

  it("asks anonymously without credentials", async () => {
    const server = tokenServer();
    await authorizer({}, server).authorization(target);
    expect(server.requests[0]!.headers).toEqual({});
    expect(server.requests[0]!.url).toBe("https://auth.test/token?scope=repository%3Alibrary%2Falpine%3Apull&service=registry.test&x=1");
  });

  it("asks for a refresh token on login and hands it over", async () => {
    const refreshTokens: string[] = [];
    const server = tokenServer(() => answer(200, { access_token: "t2", refresh_token: "r1" }));
    const login = new Authorizer({
      challenges: bearer,
      origin: ORIGIN,
      credentials: { username: "a", password: "b" },
      scopes: [],
      send: server.send,
      offlineAccess: true,
      onRefreshToken: (t) => refreshTokens.push(t),
    });
    expect(await login.authorization(new URL(`${ORIGIN}/v2/`))).toBe("Bearer t2");
    expect(server.requests[0]!.url).toBe("https://auth.test/token?account=a&client_id=docker&offline_token=true&service=registry.test&x=1");
    expect(refreshTokens).toEqual(["r1"]);
  });

  it("exchanges an identity token with a POST refresh_token grant", async () => {
    const server = tokenServer(() => answer(200, { access_token: "t3", expires_in: 60 }));
    expect(await authorizer({ identitytoken: "id-1", username: "ignored", password: "ignored" }, server).authorization(target)).toBe("Bearer t3");
    const [request] = server.requests;
    expect(request!.method).toBe("POST");
    expect(request!.url).toBe("https://auth.test/token?x=1");
    expect(Buffer.from(request!.body as Uint8Array).toString()).toBe(
      "client_id=docker&grant_type=refresh_token&refresh_token=id-1&scope=repository%3Alibrary%2Falpine%3Apull&service=registry.test",
    );
  });

  it("caches the token until it expires (60 s at least), and never caches a token with extra scopes", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    let count = 0;
    const server = tokenServer(() => answer(200, { token: `t${++count}`, expires_in: 10 }));
    const auth = authorizer({}, server, { now: () => now });
    expect(await auth.authorization(target)).toBe("Bearer t1");
    now += 59_000;
    expect(await auth.authorization(target)).toBe("Bearer t1");
    expect(await auth.authorization(target, [repositoryScope("other/repo", ["pull"])])).toBe("Bearer t2");
    expect(server.requests[1]!.url).toContain("scope=repository%3Alibrary%2Falpine%3Apull&scope=repository%3Aother%2Frepo%3Apull");
    expect(await auth.authorization(target)).toBe("Bearer t1");
    now += 2_000;
    expect(await auth.authorization(target)).toBe("Bearer t3");
  });

  it("honours issued_at and shares one token request between concurrent callers", async () => {
    let now = Date.parse("2030-01-01T00:10:00Z");
    let count = 0;
    const server = tokenServer(() => answer(200, { token: `t${++count}`, expires_in: 600, issued_at: "2030-01-01T00:00:00Z" }));
    const auth = authorizer({}, server, { now: () => now });
    expect(await Promise.all([auth.authorization(target), auth.authorization(target), auth.authorization(target)])).toEqual([
      "Bearer t1",
      "Bearer t1",
      "Bearer t1",
    ]);
    now += 1_000; // past issued_at + 600 s
    expect(await auth.authorization(target)).toBe("Bearer t2");
  });

  it("adds nothing to other origins or paths (redirects to storage)", async () => {
    const server = tokenServer();
    const auth = authorizer({ username: "a", password: "b" }, server);
    expect(await auth.authorization(new URL("https://storage.test/v2/blob"))).toBeUndefined();
    expect(await auth.authorization(new URL(`${ORIGIN}/other`))).toBeUndefined();
    expect(server.requests).toEqual([]);
  });

  it("sends a registry token as it is", async () => {
    const server = tokenServer();
    expect(await authorizer({ registrytoken: "rt" }, server).authorization(target)).toBe("Bearer rt");
    expect(server.requests).toEqual([]);
  });

  it("fails with distribution's texts", async () => {
    const refused = tokenServer(() => answer(401, { details: "incorrect username or password" }));
    await expect(authorizer({ username: "a", password: "b" }, refused).authorization(target)).rejects.toThrow(
      "unauthorized: incorrect username or password",
    );
    await expect(
      authorizer(
        {},
        tokenServer(() => answer(200, { expires_in: 5 })),
      ).authorization(target),
    ).rejects.toThrow("authorization server did not include a token in the response");
    const garbage = tokenServer(() => ({ ...answer(200, ""), body: Readable.from([Buffer.from("<html>")]) }));
    await expect(authorizer({}, garbage).authorization(target)).rejects.toThrow(
      "unable to decode token response: invalid character '<' looking for beginning of value",
    );
    const noRealm = new Authorizer({
      challenges: parseChallenges('Bearer service="s"'),
      origin: ORIGIN,
      credentials: {},
      scopes: [],
      send: tokenServer().send,
    });
    await expect(noRealm.authorization(target)).rejects.toThrow("no realm specified for token auth challenge");
  });
});

describe("Authorizer with a Basic challenge", () => {
  it("sends the credentials, or fails without them", async () => {
    const withCredentials = new Authorizer({
      challenges: basic,
      origin: ORIGIN,
      credentials: { username: "u", password: "p" },
      scopes: [],
      send: tokenServer().send,
    });
    expect(await withCredentials.authorization(target)).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    const without = new Authorizer({ challenges: basic, origin: ORIGIN, credentials: { username: "u" }, scopes: [], send: tokenServer().send });
    await expect(without.authorization(target)).rejects.toThrow("no basic auth credentials");
    const none = new Authorizer({ challenges: [], origin: ORIGIN, credentials: {}, scopes: [], send: tokenServer().send });
    expect(await none.authorization(target)).toBeUndefined();
  });
});
