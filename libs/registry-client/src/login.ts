/**
 * `docker login` as dockerd 20.10 checks it (registry.loginV2): ping the registry, then GET /v2/ with
 * the credentials through the challenge it answered (a token request asks for a refresh token, which
 * becomes the identity token the CLI stores). Mirrors are never sent credentials.
 */
import type { AuthConfig } from "./auth.js";
import type { RegistryClient } from "./client.js";
import { DOCKER_HUB_DOMAIN } from "./endpoints.js";
import { RegistryError, RegistryResponseError, RequestError } from "./errors.js";
import { Session } from "./session.js";
import { discard } from "./transport.js";

export interface LoginResult {
  readonly status: "Login Succeeded";
  /** A refresh token from the token server, or "" when it gave none. */
  readonly identityToken: string;
}

/** The registry host a login is for: serveraddress without scheme or path; Docker Hub by default. */
export function loginHost(serverAddress: string | undefined): string {
  if (serverAddress === undefined || serverAddress === "") return DOCKER_HUB_DOMAIN;
  const url = new URL(/^https?:\/\//.test(serverAddress) ? serverAddress : `https://${serverAddress}`);
  return url.host === "index.docker.io" ? DOCKER_HUB_DOMAIN : url.host;
}

export async function login(client: RegistryClient, auth: AuthConfig, signal?: AbortSignal): Promise<LoginResult> {
  let lastError: unknown = new RegistryError("no endpoints to log in to");
  for (const endpoint of await client.endpoints(loginHost(auth.serveraddress), true)) {
    const transport = await client.transportFor(endpoint);
    try {
      let identityToken = "";
      let session: Session;
      try {
        session = await Session.open(
          transport,
          { origin: endpoint.url, credentials: auth, scopes: [], offlineAccess: true, onRefreshToken: (token) => (identityToken = token) },
          signal,
        );
      } catch (err) {
        lastError = err; // unreachable over this endpoint: the next one (plain HTTP for an insecure registry)
        continue;
      }
      const url = `${endpoint.url}/v2/`;
      const response = await session.send({ method: "GET", url, timeoutMs: 15_000, ...(signal ? { signal } : {}) }).catch((err: unknown) => {
        throw unauthorizedIfDenied(err);
      });
      discard(response);
      if (response.status === 200) return { status: "Login Succeeded", identityToken: identityToken || (auth.identitytoken ?? "") };
      throw new RegistryError(`login attempt to ${url} failed with status: ${response.status} ${response.statusText}`);
    } finally {
      await transport.close();
    }
  }
  throw lastError;
}

// dockerd's translateV2AuthError: a token server's "unauthorized" is an authentication failure (HTTP 401).
function unauthorizedIfDenied(err: unknown): unknown {
  if (!(err instanceof RequestError) || !(err.cause instanceof RegistryResponseError) || err.cause.first?.code !== "UNAUTHORIZED") return err;
  return new RegistryError(err.message, { category: "unauthorized", cause: err });
}
