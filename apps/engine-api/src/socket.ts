import { randomBytes } from "node:crypto";
import { linkSync, lstatSync, rmSync, unlinkSync } from "node:fs";
import { request, type Server } from "node:http";
import { dirname, join } from "node:path";
import { claimSocketPath as claimSocket, ConfigError, secureSocket, type SocketGroup } from "@slipway/grpc-kit";

/** engine-api's own socket, bound and in place; removed on stop only while it is still this socket. */
export interface OwnSocket {
  readonly path: string;
  /** Unlinks the path if it is still the socket engine-api bound (same device and inode); says whether it did. */
  remove(): boolean;
}

const WHERE = "(--socket or SLIPWAY_ENGINE_API_SOCKET)";

/**
 * Listens on the unix socket `path` the way dockerd would not clobber another daemon's: a live socket there
 * is refused, naming what answers on it (a dockerd says "Docker/20.10.24 (linux)"); a stale one is replaced;
 * anything that is not a socket is refused. The socket is bound under a temporary name, made 0660
 * root:<group>, then linked into place (which fails if something took the path meanwhile), so it never
 * appears with looser permissions, and libuv, which unlinks the name it bound on close, never removes `path`.
 */
export async function listenOnSocket(server: Server, path: string, group: SocketGroup): Promise<OwnSocket> {
  await claimSocketPath(path);
  const temporary = join(dirname(path), `.${process.pid.toString(36)}${randomBytes(3).toString("hex")}`);
  if (Buffer.byteLength(temporary) > 107) {
    throw new ConfigError(`socket path ${path} is too long to bind beside (${temporary} exceeds 107 bytes); use a shorter path ${WHERE}`);
  }
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(new ConfigError(`cannot listen on ${path}: ${describe(err)}`));
    server.once("error", failed);
    server.listen(temporary, () => (server.off("error", failed), resolve()));
  });
  try {
    secureSocket(temporary, group);
    linkSync(temporary, path);
  } catch (err) {
    await new Promise((resolve) => server.close(resolve));
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST")
      throw new ConfigError(`${path} was created by something else while engine-api was starting; engine-api will not replace it ${WHERE}`);
    throw new ConfigError(`cannot listen on ${path}: ${describe(err as NodeJS.ErrnoException)}`);
  } finally {
    rmSync(temporary, { force: true });
  }
  const { dev, ino } = lstatSync(path);
  return {
    path,
    remove() {
      const now = lstatSync(path, { throwIfNoEntry: false });
      if (!now?.isSocket() || now.dev !== dev || now.ino !== ino) return false;
      unlinkSync(path);
      return true;
    },
  };
}

/** Clears the way for the socket: nothing there, or a stale socket (removed); anything else is refused. */
export function claimSocketPath(path: string): Promise<void> {
  return claimSocket(path, "engine-api", { where: WHERE, whoAnswers });
}

/**
 * Who answers on a live socket, by `GET /_ping` as the docker CLI asks: a Docker engine names itself in its
 * Server header ("Docker/20.10.24 (linux)") or at least sends Api-Version; anything else is "another server".
 */
export function whoAnswers(path: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ socketPath: path, path: "/_ping", headers: { Host: "docker" }, timeout: timeoutMs }, (res) => {
      res.resume();
      const server = printable(res.headers.server);
      const apiVersion = printable(res.headers["api-version"]);
      resolve(server ? server : apiVersion ? `a Docker engine (API ${apiVersion})` : "another server");
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve("another server"));
    req.end();
  });
}

/** A header from another program, safe to print on one line. */
function printable(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value[0] : value;
  return (text ?? "")
    .replace(/[^\x20-\x7e]/g, "")
    .trim()
    .slice(0, 80);
}

function describe(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EADDRINUSE":
      return "address in use";
    case "ENOENT":
      return "its directory does not exist";
    default:
      return err.message.replace(/^[A-Z]+: /, "").split(",")[0]!;
  }
}
