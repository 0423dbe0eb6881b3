import { chmodSync, chownSync, existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { ConfigError } from "../config.js";

/**
 * Local callers reach Slipway the way they reach dockerd: through unix sockets that only root and one
 * group may open. The run root that holds them is 0750 root:<group>, each socket 0660 root:<group>, so a
 * user outside the group cannot even look up a socket's path.
 */
export interface SocketGroup {
  readonly name: string;
  readonly gid: number;
}

const ROOT_GROUP: SocketGroup = { name: "root", gid: 0 };

/**
 * SLIPWAY_SOCKET_GROUP names the group (a name from /etc/group or a numeric gid); without it, `docker`
 * when that group exists (as dockerd's -G default), else root.
 */
export function socketGroupFrom(env: NodeJS.ProcessEnv, groupFile = "/etc/group"): SocketGroup {
  const wanted = env.SLIPWAY_SOCKET_GROUP?.trim();
  const groups = readGroups(groupFile);
  if (!wanted) return groups.find((g) => g.name === "docker") ?? ROOT_GROUP;
  if (/^\d+$/.test(wanted)) return groups.find((g) => g.gid === Number(wanted)) ?? { name: wanted, gid: Number(wanted) };
  const group = groups.find((g) => g.name === wanted);
  if (!group) throw new ConfigError(`SLIPWAY_SOCKET_GROUP: no group named "${wanted}" on this host; create it (groupadd ${wanted}) or name another`);
  return group;
}

function readGroups(groupFile: string): SocketGroup[] {
  if (!existsSync(groupFile)) return [];
  return readFileSync(groupFile, "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .filter((fields) => fields.length >= 3 && /^\d+$/.test(fields[2]!))
    .map(([name, , gid]) => ({ name: name!, gid: Number(gid) }));
}

/** What Slipway itself keeps in a run root: its sockets (the framed ones too) and pid files. */
const SLIPWAY_RUN_FILE = /^[a-z][a-z-]*(\.framed)?\.(sock|pid)$/;

/**
 * Makes the run root private (0750, root:<group>). A directory that others can enter and that holds
 * files that are not Slipway's (say /run) is refused rather than closed: other programs need it.
 */
export function secureRunRoot(dir: string, group: SocketGroup): void {
  const { mode } = statSync(dir);
  if ((mode & 0o007) !== 0) {
    const foreign = readdirSync(dir).filter((name) => !SLIPWAY_RUN_FILE.test(name));
    if (foreign.length > 0) {
      throw new ConfigError(
        `run root ${dir} is open to other users (mode ${octal(mode)}) and holds files that are not Slipway's (${foreign.slice(0, 3).join(", ")}); ` +
          `give Slipway a directory of its own with SLIPWAY_RUN_ROOT, e.g. /run/slipway`,
      );
    }
  }
  ownByRootAndGroup(dir, group);
  chmodSync(dir, 0o750);
}

/** A socket just bound: 0660 root:<group>. */
export function secureSocket(path: string, group: SocketGroup): void {
  ownByRootAndGroup(path, group);
  chmodSync(path, 0o660);
}

/** Only root may give a file to root and another group; anyone else keeps their own ownership. */
function ownByRootAndGroup(path: string, group: SocketGroup): void {
  if (process.getuid?.() === 0) chownSync(path, 0, group.gid);
}

export interface ClaimOptions {
  /** Where the user sets the path, named in refusals, e.g. "(--socket or SLIPWAY_ENGINE_API_SOCKET)". */
  readonly where?: string;
  /** Names what answers on a live socket (engine-api asks GET /_ping); default "another server". */
  readonly whoAnswers?: (path: string) => Promise<string>;
}

/**
 * Before binding a socket path: a socket that something still answers on is refused (it is another
 * server's, perhaps dockerd's), a stale one is removed, and anything that is not a socket is refused.
 */
export async function claimSocketPath(path: string, owner: string, options: ClaimOptions = {}): Promise<void> {
  const where = options.where ? ` ${options.where}` : "";
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return;
  if (!stat.isSocket())
    throw new ConfigError(`${path} exists and is not a socket; ${owner} will not replace it: remove it or choose another path${where}`);
  const state = await probeSocket(path);
  if (state === "stale") return rmSync(path, { force: true });
  if (state !== "live") {
    throw new ConfigError(`${path} is a socket ${owner} cannot open (${state}); it will not replace it: remove it or choose another path${where}`);
  }
  const who = options.whoAnswers ? await options.whoAnswers(path) : "another server";
  throw new ConfigError(`${path} is in use: ${who} answers on it; ${owner} will not replace it: stop that server or choose another path${where}`);
}

/** "live" when something accepts connections, "stale" when nothing does, else why it could not be told. */
function probeSocket(path: string, timeoutMs = 2_000): Promise<"live" | "stale" | string> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (state: string) => (socket.destroy(), resolve(state));
    socket.setTimeout(timeoutMs, () => done("live"));
    socket.once("connect", () => done("live"));
    socket.once("error", (err: NodeJS.ErrnoException) =>
      done(
        err.code === "ECONNREFUSED" || err.code === "ENOENT"
          ? "stale"
          : err.code === "EACCES" || err.code === "EPERM"
            ? "permission denied"
            : err.message,
      ),
    );
  });
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}
