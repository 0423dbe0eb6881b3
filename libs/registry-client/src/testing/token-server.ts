// A token server for the registry's token auth, as distribution's contrib/token-server answers: GET with
// Basic credentials (a refresh token when offline_token=true), POST refresh_token and password grants.
// Tokens are ES256 JWTs signed by a test CA whose certificate rides in the x5c header.
import { createPrivateKey, randomBytes, sign, X509Certificate } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCertificateAuthority } from "@slipway/pki";

export interface TokenRequest {
  readonly method: string;
  readonly grantType?: string;
  readonly user?: string;
  readonly scopes: readonly string[];
}

export interface TokenServer {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** The PEM file the registry's rootcertbundle names. */
  readonly rootCertBundle: string;
  /** Every token request so far. */
  readonly requests: TokenRequest[];
  /** A token for `subject` with exactly these grants ("repository:<name>:<actions>"). */
  mint(subject: string, scopes: readonly string[]): string;
  stop(): Promise<void>;
}

/** `users` log in with their passwords and may pull and push anywhere; anyone may pull `public/…`. */
export async function startTokenServer(dir: string, users: Readonly<Record<string, string>>): Promise<TokenServer> {
  const ca = await createCertificateAuthority({ commonName: "token signer" });
  const rootCertBundle = join(dir, "token-ca.crt");
  writeFileSync(rootCertBundle, ca.certPem);
  const key = createPrivateKey(ca.keyPem);
  const x5c = [new X509Certificate(ca.certPem).raw.toString("base64")];
  const service = "test-registry";
  const issuer = "test-issuer";
  const refreshTokens = new Map<string, string>();
  const requests: TokenRequest[] = [];

  const mint = (subject: string, scopes: readonly string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((scope) => {
      const [type, name, actions] = splitScope(scope);
      return { type, name, actions: actions.split(",").filter((action) => action !== "") };
    });
    const claims = { iss: issuer, sub: subject, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access };
    const signingInput = `${b64(JSON.stringify({ typ: "JWT", alg: "ES256", x5c }))}.${b64(JSON.stringify(claims))}`;
    return `${signingInput}.${sign("sha256", Buffer.from(signingInput), { key, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
  };

  const granted = (user: string | undefined, scopes: readonly string[]) =>
    scopes.filter((scope) => user !== undefined || (splitScope(scope)[1].startsWith("public/") && splitScope(scope)[2] === "pull"));

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://token");
    if (request.method === "GET") {
      const scopes = url.searchParams.getAll("scope");
      const user = basicUser(request, users);
      requests.push({ method: "GET", ...(user ? { user } : {}), scopes });
      if (user === null) return reply(response, 401, { details: "incorrect username or password" });
      const refresh = url.searchParams.get("offline_token") === "true" && user !== undefined ? newRefreshToken(refreshTokens, user) : undefined;
      return reply(response, 200, {
        token: mint(user ?? "", granted(user, scopes)),
        expires_in: 300,
        issued_at: new Date().toISOString(),
        ...(refresh ? { refresh_token: refresh } : {}),
      });
    }
    const form = new URLSearchParams(await bodyOf(request));
    const scopes = (form.get("scope") ?? "").split(" ").filter((scope) => scope !== "");
    const grantType = form.get("grant_type") ?? "";
    const user =
      grantType === "refresh_token"
        ? refreshTokens.get(form.get("refresh_token") ?? "")
        : users[form.get("username") ?? ""] === form.get("password")
          ? (form.get("username") ?? undefined)
          : undefined;
    requests.push({ method: "POST", grantType, ...(user ? { user } : {}), scopes });
    if (user === undefined)
      return reply(response, 401, { errors: [{ code: "UNAUTHORIZED", message: "authentication required", detail: "invalid credentials" }] });
    return reply(response, 200, { access_token: mint(user, granted(user, scopes)), expires_in: 300, scope: scopes.join(" ") });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle,
    requests,
    mint,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function splitScope(scope: string): [string, string, string] {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  return [scope.slice(0, first), scope.slice(first + 1, last), scope.slice(last + 1)];
}

/** The user of valid Basic credentials, undefined without any, null for wrong ones. */
function basicUser(request: IncomingMessage, users: Readonly<Record<string, string>>): string | undefined | null {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const [user = "", password] = Buffer.from(header.replace(/^Basic /, ""), "base64")
    .toString()
    .split(":");
  return users[user] !== undefined && users[user] === password ? user : null;
}

function newRefreshToken(tokens: Map<string, string>, user: string): string {
  const token = randomBytes(16).toString("hex");
  tokens.set(token, user);
  return token;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

function b64(text: string): string {
  return Buffer.from(text).toString("base64url");
}
