import type { IncomingMessage, ServerResponse } from "node:http";
import { familiarString, InvalidReferenceError, parseNormalizedNamed, withTag } from "@slipway/docker-spec";
import { internal, invalidArgument, SlipwayError, unimplemented } from "@slipway/errors";
import type { imagestore } from "@slipway/proto";
import { decodeRegistryAuth, parseAuthConfig, type AuthConfig } from "@slipway/registry-client";
import type { Backends } from "../backends.js";
import { compareVersions } from "./api-version.js";
import { HttpError, httpErrorOf } from "./errors.js";
import { errorMessage } from "./json-stream.js";
import { progressLine } from "./progress-message.js";
import { NOT_IMPLEMENTED, sendJson, writeChunk } from "./responses.js";
import type { Route } from "./router.js";

/**
 * docker pull (also the one `docker create` runs for a missing image), push and login, translated to the image
 * store, which talks to the registries. `hiddenPaths` (the data root) never appear in a stream's error line.
 */
export function registryRoutes({ imageStore }: Backends, hiddenPaths: readonly string[] = []): Route[] {
  return [
    {
      method: "POST",
      pattern: /^\/images\/create$/,
      handle({ req, res, query, apiVersion }) {
        const fromImage = query.get("fromImage");
        if (!fromImage) throw unimplemented(`POST /images/create is not implemented by Slipway for imports (fromSrc). ${NOT_IMPLEMENTED}`);
        // image-store reads fromImage and tag as dockerd does (a tag that parses as a digest pulls by digest).
        const request = {
          reference: fromImage,
          tag: query.get("tag") ?? "",
          platform: compareVersions(apiVersion, PLATFORM_API_VERSION) >= 0 ? (query.get("platform") ?? "") : "",
          auth: registryAuth(decodeRegistryAuth(authHeader(req))),
        };
        return streamProgress(res, imageStore.pullImage(request), hiddenPaths);
      },
    },
    {
      method: "POST",
      pattern: /^\/images\/(?<name>.+)\/push$/,
      handle({ req, res, params, query, body }) {
        const request = { reference: pushReference(params.name!, query.get("tag") ?? ""), auth: registryAuth(pushCredentials(req, body)) };
        return streamProgress(res, imageStore.pushImage(request), hiddenPaths);
      },
    },
    {
      method: "POST",
      pattern: /^\/auth$/,
      async handle({ res, body }) {
        const { status, identityToken } = await imageStore.login({ auth: registryAuth(authConfigInBody(body)) }).catch((err: unknown) => {
          // A registry that refuses the credentials is dockerd's errdefs.Unauthorized: 401.
          throw err instanceof SlipwayError && err.kind === "unauthenticated" ? new HttpError(401, err.message) : err;
        });
        sendJson(res, 200, { IdentityToken: identityToken, Status: status });
      },
    },
  ];
}

/** The API version from which dockerd reads the `platform` of a pull; older clients pull for the host. */
const PLATFORM_API_VERSION = "1.32";

/**
 * A pull's or push's progress as dockerd streams it: a failure before the first message is the answer's status
 * and JSON message; after it, the stream's last line (the status is 200 by then). Once the client has gone,
 * reading stops, which cancels the call, as dockerd cancels a pull whose progress it can no longer write.
 */
async function streamProgress(
  res: ServerResponse,
  messages: AsyncIterable<{ progress?: imagestore.ProgressMessage }>,
  hiddenPaths: readonly string[],
): Promise<void> {
  const iterator = messages[Symbol.asyncIterator]();
  let next = await iterator.next();
  res.writeHead(200, { "Content-Type": "application/json" });
  try {
    for (; !next.done && !res.destroyed; next = await iterator.next()) {
      if (next.value.progress) await writeChunk(res, progressLine(next.value.progress));
    }
  } catch (err) {
    if (!res.destroyed) res.write(errorMessage(httpErrorOf(err, hiddenPaths).message));
  } finally {
    await iterator.return?.();
  }
  res.end();
}

/**
 * What to push: the name from the path, with the `tag` parameter when given (a name alone: every tag). dockerd
 * answers a malformed name or tag here with 500, not 400: its PushImage returns the reference error unclassified.
 */
function pushReference(name: string, tag: string): string {
  try {
    const named = parseNormalizedNamed(name);
    return familiarString(tag === "" ? named : withTag(named, tag));
  } catch (err) {
    throw err instanceof InvalidReferenceError ? internal(err.message) : err;
  }
}

function authHeader(req: IncomingMessage): string | undefined {
  const header = req.headers["x-registry-auth"];
  return Array.isArray(header) ? header[0] : header;
}

/** A push's credentials: X-Registry-Auth, or (from older clients) the same JSON as the request body. */
function pushCredentials(req: IncomingMessage, body: Buffer): AuthConfig {
  const header = authHeader(req);
  if (header) return decodeRegistryAuth(header);
  try {
    return authConfigInBody(body);
  } catch (err) {
    throw err instanceof SlipwayError ? invalidArgument(`Bad parameters and missing X-Registry-Auth: ${err.message}`) : err;
  }
}

/**
 * An AuthConfig sent as a JSON body (POST /auth), read as X-Registry-Auth is once decoded. A body dockerd
 * cannot decode is a 500 (its JSON decoder's error; "EOF" when empty).
 */
function authConfigInBody(body: Buffer): AuthConfig {
  if (body.length === 0) throw internal("EOF");
  try {
    return parseAuthConfig(body.toString("utf8"));
  } catch (err) {
    throw internal((err as Error).message);
  }
}

/** The credentials as image-store takes them; unset when there are none (anonymous). */
function registryAuth(config: AuthConfig): imagestore.RegistryAuth | undefined {
  const { username = "", password = "", identitytoken = "", registrytoken = "", serveraddress = "" } = config;
  const auth = { username, password, identityToken: identitytoken, registryToken: registrytoken, serverAddress: serveraddress };
  return Object.values(auth).some((value) => value !== "") ? auth : undefined;
}
