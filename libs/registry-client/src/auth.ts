/**
 * Registry authorization as dockerd 20.10 does it (distribution's auth package): the challenges of the
 * ping decide; a Bearer challenge gets a token from its realm (GET with Basic credentials, or a POST
 * refresh_token grant when an identity token is known), cached until it expires; a Basic challenge gets
 * the credentials; a registry token from the client is sent as it is.
 */
import type { Challenge } from "./challenge.js";
import { errorFromResponse } from "./error-response.js";
import { RegistryError } from "./errors.js";
import { parseJsonLikeGo } from "./go-json.js";
import { readBody, type HttpRequest, type HttpResponse } from "./transport.js";

/** Credentials as dockerd receives them in the X-Registry-Auth header (its types.AuthConfig). */
export interface AuthConfig {
  readonly username?: string;
  readonly password?: string;
  /** base64 "user:password" as in ~/.docker/config.json; dockerd does not read it and neither does this client. */
  readonly auth?: string;
  readonly email?: string;
  readonly serveraddress?: string;
  /** A refresh token from an earlier login, exchanged with the POST refresh_token grant. */
  readonly identitytoken?: string;
  /** A bearer token for the registry itself, sent as it is. */
  readonly registrytoken?: string;
}

/** The client identity dockerd gives token servers. */
export const AUTH_CLIENT_ID = "docker";

// Tokens live at least this long, whatever the server says (older clients assumed 60 s).
const MINIMUM_TOKEN_LIFETIME_S = 60;
const TOKEN_REQUEST_TIMEOUT_MS = 15_000;
const TOKEN_RESPONSE_LIMIT = 1 << 20;

/** "repository:library/alpine:push,pull" (a RepositoryScope for images). */
export function repositoryScope(path: string, actions: readonly string[]): string {
  return `repository:${path}:${actions.join(",")}`;
}

/** What the authorizer needs from the HTTP layer: one request, redirects followed. */
export type TokenSender = (request: HttpRequest) => Promise<HttpResponse>;

export interface AuthorizerOptions {
  /** The challenges of the ping (none: nothing is added). */
  readonly challenges: readonly Challenge[];
  /** The origin that was pinged: requests elsewhere (redirects to storage) carry no credentials. */
  readonly origin: string;
  readonly credentials: AuthConfig;
  readonly scopes: readonly string[];
  readonly send: TokenSender;
  /** Ask the token server for a refresh token (`docker login`). */
  readonly offlineAccess?: boolean;
  /** Told of a refresh token the token server hands out. */
  readonly onRefreshToken?: (token: string) => void;
  readonly now?: () => number;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** Adds the Authorization header the registry's challenges call for. One per repository session. */
export class Authorizer {
  private cached: CachedToken | undefined;
  private tokenLock: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AuthorizerOptions) {}

  /**
   * The Authorization value for a request to `url`, or undefined when none is due. `extraScopes` (a
   * mount's source repository) get a token of their own, which is not cached.
   */
  async authorization(url: URL, extraScopes: readonly string[] = []): Promise<string | undefined> {
    if (url.origin !== this.options.origin || !url.pathname.includes("/v2/")) return undefined;
    let value: string | undefined;
    // distribution's order: every handler (bearer, then basic) over every challenge of its scheme.
    for (const scheme of ["bearer", "basic"]) {
      for (const challenge of this.options.challenges.filter((c) => c.scheme === scheme)) {
        const next = scheme === "bearer" ? await this.bearer(challenge, extraScopes) : this.basic();
        if (next !== undefined) value = next;
      }
    }
    return value;
  }

  private basic(): string | undefined {
    if (this.options.credentials.registrytoken) return undefined; // a registry token replaces every other handler
    const { username = "", password = "" } = this.options.credentials;
    if (username === "" || password === "") throw new RegistryError("no basic auth credentials");
    return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  }

  private async bearer(challenge: Challenge, extraScopes: readonly string[]): Promise<string> {
    const registryToken = this.options.credentials.registrytoken;
    if (registryToken) return `Bearer ${registryToken}`;
    const added = extraScopes.filter((scope) => !this.options.scopes.includes(scope));
    const run = this.tokenLock.then(() => this.token(challenge, added));
    this.tokenLock = run.catch(() => undefined);
    return `Bearer ${await run}`;
  }

  private async token(challenge: Challenge, addedScopes: readonly string[]): Promise<string> {
    const now = this.now();
    if (addedScopes.length === 0 && this.cached !== undefined && now <= this.cached.expiresAt) return this.cached.token;
    const fetched = await this.fetchToken(challenge.parameters, [...this.options.scopes, ...addedScopes]);
    if (addedScopes.length === 0) this.cached = fetched;
    return fetched.token;
  }

  private async fetchToken(parameters: Readonly<Record<string, string>>, scopes: readonly string[]): Promise<CachedToken> {
    const realm = parameters.realm;
    if (realm === undefined) throw new RegistryError("no realm specified for token auth challenge");
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch (err) {
      throw new RegistryError(`invalid token auth challenge realm: parse ${JSON.stringify(realm)}: invalid URI`, { cause: err });
    }
    const service = parameters.service ?? "";
    const refreshToken = this.options.credentials.identitytoken ?? "";
    const response =
      refreshToken !== "" ? await this.postRefreshGrant(realmUrl, service, scopes, refreshToken) : await this.getWithBasic(realmUrl, service, scopes);
    if (response.status < 200 || response.status > 399) throw await errorFromResponse(response);
    return this.tokenFrom(await readBody(response, TOKEN_RESPONSE_LIMIT, tokenTooLarge), refreshToken);
  }

  private async getWithBasic(realm: URL, service: string, scopes: readonly string[]): Promise<HttpResponse> {
    const url = new URL(realm);
    if (service !== "") url.searchParams.append("service", service);
    for (const scope of scopes) url.searchParams.append("scope", scope);
    if (this.options.offlineAccess) {
      url.searchParams.append("offline_token", "true");
      url.searchParams.append("client_id", AUTH_CLIENT_ID);
    }
    const { username = "", password = "" } = this.options.credentials;
    const headers: Record<string, string> = {};
    if (username !== "" && password !== "") {
      url.searchParams.append("account", username);
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    }
    url.searchParams.sort(); // Go's url.Values.Encode orders by key
    return this.options.send({ method: "GET", url: url.href, headers, timeoutMs: TOKEN_REQUEST_TIMEOUT_MS });
  }

  private async postRefreshGrant(realm: URL, service: string, scopes: readonly string[], refreshToken: string): Promise<HttpResponse> {
    const form = new URLSearchParams({
      scope: scopes.join(" "),
      service,
      client_id: AUTH_CLIENT_ID,
      grant_type: "refresh_token",
      refresh_token: refreshToken,
    });
    form.sort();
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    return this.options.send({ method: "POST", url: realm.href, headers, body: Buffer.from(form.toString()), timeoutMs: TOKEN_REQUEST_TIMEOUT_MS });
  }

  private tokenFrom(body: Buffer, refreshTokenSent: string): CachedToken {
    let document: Record<string, unknown>;
    try {
      const parsed = parseJsonLikeGo(body.toString("utf8"));
      document = (parsed !== null && typeof parsed === "object" ? parsed : {}) as Record<string, unknown>;
    } catch (err) {
      throw new RegistryError(`unable to decode token response: ${(err as Error).message}`);
    }
    const text = (name: string) => (typeof document[name] === "string" ? (document[name] as string) : "");
    const refreshToken = text("refresh_token");
    if (refreshToken !== "" && refreshToken !== refreshTokenSent) this.options.onRefreshToken?.(refreshToken);
    const token = text("access_token") || text("token");
    if (token === "") throw new RegistryError("authorization server did not include a token in the response");
    const expiresIn = Math.max(typeof document.expires_in === "number" ? document.expires_in : 0, MINIMUM_TOKEN_LIFETIME_S);
    const issuedAt = Date.parse(text("issued_at"));
    return { token, expiresAt: (Number.isNaN(issuedAt) ? this.now() : issuedAt) + expiresIn * 1000 };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function tokenTooLarge(): RegistryError {
  return new RegistryError(`unable to decode token response: larger than ${TOKEN_RESPONSE_LIMIT} bytes`);
}
