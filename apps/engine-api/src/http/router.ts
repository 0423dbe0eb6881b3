import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { invalidArgument } from "@slipway/errors";

/** Everything a route handler needs about one request. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Named groups of the route pattern, URL-decoded. */
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  /** The API version from the /vX.Y/ prefix, or the current one when unversioned. */
  readonly apiVersion: string;
  /**
   * The request body, read completely before the handler runs (at most the server's body limit, 413
   * beyond it); empty for routes that stream their body (`streamsBody`), which read `req` themselves.
   */
  readonly body: Buffer;
  /**
   * Present when the client asked to upgrade the connection (`Connection: Upgrade`, `Upgrade: tcp`, as the
   * CLI's attach does): takes the raw connection over, as dockerd's hijack does. The handler writes the status
   * line and headers itself (`res` is no longer used) and ends the connection; the request is logged as 101.
   * An upgrade request's body is not read (`body` is empty).
   */
  readonly upgrade?: () => Duplex;
}

export interface Route {
  readonly method: "GET" | "HEAD" | "POST" | "DELETE" | "PUT";
  /** Matched against the unversioned path; named groups become params. */
  readonly pattern: RegExp;
  handle(ctx: RequestContext): Promise<void> | void;
  /** The handler streams the request body itself, uncapped (`docker load`); others get it read into `body`. */
  readonly streamsBody?: boolean;
}

export type RouteMatch = { route: Route; params: Record<string, string> } | { methodMismatch: true } | undefined;

/**
 * The route for a request; `methodMismatch` (dockerd's 404) when a fixed path exists with another method.
 * Patterns with parameters do not count for that: image names may contain "/", so `DELETE /images/{name}`
 * matches nearly any path, and a miss there is an endpoint Slipway lacks (501), not a wrong method.
 */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method !== method) {
      pathMatched ||= match.groups === undefined;
      continue;
    }
    const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodePathPart(v)]));
    return { route, params };
  }
  return pathMatched ? { methodMismatch: true } : undefined;
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalidArgument(`malformed percent-encoding in the path segment "${part}"`);
  }
}
