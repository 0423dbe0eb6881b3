/**
 * One conversation with one registry endpoint, as dockerd holds one per pull or push: the `/v2/` ping
 * and its challenges, then requests authorized for the session's scopes, with GET/HEAD redirects
 * followed (registries send blobs from storage elsewhere; credentials never follow them there).
 */
import { Authorizer, repositoryScope, type AuthConfig } from "./auth.js";
import { parseChallenges, type Challenge } from "./challenge.js";
import { RegistryError, RequestError } from "./errors.js";
import { discard, type HttpRequest, type HttpResponse, type Transport } from "./transport.js";

// Go's http.Client gives up after this many redirects.
const MAX_REDIRECTS = 10;
const PING_TIMEOUT_MS = 15_000;

export interface SessionRequest extends HttpRequest {
  /** Scopes needed beyond the session's (a cross-repository mount's source). */
  readonly extraScopes?: readonly string[];
}

export interface SessionOptions {
  readonly origin: string;
  readonly credentials: AuthConfig;
  /** "repository:<path>:pull" etc.; none for a login. */
  readonly scopes: readonly string[];
  readonly offlineAccess?: boolean;
  readonly onRefreshToken?: (token: string) => void;
}

/** Pings the registry (GET /v2/) and returns the challenges of a 401 answer (none for any other). */
async function ping(transport: Transport, origin: string, signal?: AbortSignal): Promise<Challenge[]> {
  const response = await transport.send({ method: "GET", url: `${origin}/v2/`, timeoutMs: PING_TIMEOUT_MS, ...(signal ? { signal } : {}) });
  discard(response);
  const header = response.header("www-authenticate");
  return response.status === 401 && header !== undefined ? parseChallenges(header) : [];
}

export class Session {
  private readonly authorizer: Authorizer;

  private constructor(
    private readonly transport: Transport,
    readonly origin: string,
    challenges: readonly Challenge[],
    options: SessionOptions,
  ) {
    this.authorizer = new Authorizer({
      challenges,
      origin,
      credentials: options.credentials,
      scopes: options.scopes,
      // Token requests carry no registry authorization (Go sends them on the bare transport).
      send: (request) => this.follow(request, async () => request.headers ?? {}),
      ...(options.offlineAccess ? { offlineAccess: true } : {}),
      ...(options.onRefreshToken ? { onRefreshToken: options.onRefreshToken } : {}),
    });
  }

  /** Pings `options.origin` and opens a session on its answer. */
  static async open(transport: Transport, options: SessionOptions, signal?: AbortSignal): Promise<Session> {
    return new Session(transport, options.origin, await ping(transport, options.origin, signal), options);
  }

  /** A request to the registry, authorized; GET and HEAD follow redirects. */
  async send(request: SessionRequest): Promise<HttpResponse> {
    return this.follow(request, (url) => this.headers(request, url, request.extraScopes ?? []));
  }

  private async follow(request: HttpRequest, headersFor: (url: string) => Promise<Readonly<Record<string, string>>>): Promise<HttpResponse> {
    const followsRedirects = request.method === "GET" || request.method === "HEAD";
    let url = request.url;
    for (let hop = 0; ; hop++) {
      const response = await this.transport.send({ ...request, url, headers: await headersFor(url) });
      const location = response.header("location");
      if (!followsRedirects || ![301, 302, 303, 307, 308].includes(response.status) || location === undefined) return response;
      discard(response);
      url = new URL(location, url).href;
      // A loop never resolves itself, so unlike Go's this error is not retried.
      if (hop >= MAX_REDIRECTS) throw new RequestError(request.method, url, `stopped after ${MAX_REDIRECTS} redirects`, { retryable: false });
    }
  }

  private async headers(request: SessionRequest, url: string, extraScopes: readonly string[]): Promise<Record<string, string>> {
    let authorization: string | undefined;
    try {
      authorization = await this.authorizer.authorization(new URL(url), extraScopes);
    } catch (err) {
      const cause = err instanceof RegistryError ? err : new RegistryError(String(err));
      // Go reports a failed authorization as the failure of the request it was for.
      throw new RequestError(request.method, url, cause.message, { retryable: cause.retryable, cause });
    }
    return { ...request.headers, ...(authorization !== undefined ? { authorization } : {}) };
  }
}

/** The scope of a repository session: pull, or push and pull (in dockerd's order, which token servers see). */
export function sessionScopes(path: string, push: boolean): string[] {
  return [repositoryScope(path, push ? ["push", "pull"] : ["pull"])];
}
