import type { IncomingMessage, ServerResponse } from "node:http";

/** Everything a route handler needs about one request. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Named groups of the route pattern, URL-decoded. */
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  /** The API version from the /vX.Y/ prefix, or the current one when unversioned. */
  readonly apiVersion: string;
}

export interface Route {
  readonly method: "GET" | "HEAD" | "POST" | "DELETE" | "PUT";
  /** Matched against the unversioned path; named groups become params. */
  readonly pattern: RegExp;
  handle(ctx: RequestContext): Promise<void> | void;
}

export type RouteMatch = { route: Route; params: Record<string, string> } | { methodMismatch: true } | undefined;

export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
    return { route, params };
  }
  return pathMatched ? { methodMismatch: true } : undefined;
}
