/*
 * The user lookup of dockerd 20.10's `docker cp -a` (pkg/idtools' LookupUser over runc's libcontainer/user):
 * the user's name in the host's /etc/passwd, then `getent passwd <user>`, which also takes a uid and other
 * user databases. These are the pure parts: the passwd format and the messages of a failed getent.
 */

/** The fields of a passwd line a lookup answers. */
export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/**
 * A passwd-format text's entries as libcontainer's ParsePasswd reads them: lines trimmed, blank ones skipped,
 * fields split on ":", and a number that does not parse read as 0 (it ignores conversion errors).
 */
export function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [name = "", , uid, gid] = line.split(":");
      return { name, uid: goAtoi(uid), gid: goAtoi(gid) };
    });
}

/** The first entry of that name (libcontainer's LookupUser, which matches names only). */
export function findPasswdEntry(entries: readonly PasswdEntry[], name: string): PasswdEntry | undefined {
  return entries.find((entry) => entry.name === name);
}

/** idtools' getentUser: the first entry getent printed, or its error when it printed none. */
export function getentPasswdEntry(output: string, key: string): PasswdEntry {
  const [entry] = parsePasswd(output);
  if (!entry) throw new Error(`getent failed to find passwd entry for ${JSON.stringify(key)}`);
  return entry;
}

/** idtools' callGetent: what dockerd says when `getent <database> <key>` exits with `exitCode`. */
export function getentFailure(exitCode: number, database: string, key: string): string {
  switch (exitCode) {
    case 1:
      return "getent reported invalid parameters/database unknown";
    case 2:
      return `getent unable to find entry ${JSON.stringify(key)} in ${database} database`;
    case 3:
      return "getent database doesn't support enumeration";
    default:
      return `exit status ${exitCode}`;
  }
}

/** idtools' callGetent when the host has no getent. */
export const GETENT_MISSING = "unable to find getent command";

/** Go's strconv.Atoi with its error ignored: an optional sign and decimal digits, else 0. */
function goAtoi(field: string | undefined): number {
  return field !== undefined && /^[+-]?[0-9]+$/.test(field) ? Number(field) : 0;
}
