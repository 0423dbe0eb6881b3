import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { findPasswdEntry, getentFailure, getentPasswdEntry, GETENT_MISSING, parsePasswd } from "@slipway/docker-spec";
import { internal } from "@slipway/errors";

/** A uid and gid to give files. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/**
 * dockerd 20.10's idtools.LookupUser, which `docker cp -a` uses for the container's User: the name in this
 * host's /etc/passwd, else `getent passwd <user>` (a uid, or a user of another database the host is set up
 * with). It is the host's database, not the container's, as in dockerd. A user neither knows is INTERNAL,
 * in dockerd's words (it answers them with a 500).
 */
export async function lookupHostUser(user: string): Promise<Owner> {
  const passwd = await readFile("/etc/passwd", "utf8").catch(() => "");
  const entry = findPasswdEntry(parsePasswd(passwd), user) ?? (await getentUser(user));
  return { uid: entry.uid, gid: entry.gid };
}

async function getentUser(user: string) {
  const output = await getent("passwd", user);
  try {
    return getentPasswdEntry(output, user);
  } catch (err) {
    throw internal((err as Error).message, err);
  }
}

function getent(database: string, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("getent", [database, key], { encoding: "utf8" }, (err, stdout) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code as unknown;
      if (code === "ENOENT") return reject(internal(GETENT_MISSING, err));
      reject(internal(typeof code === "number" ? getentFailure(code, database, key) : err.message, err));
    });
  });
}
