import { readFileSync } from "node:fs";

/**
 * The host's user and group names by ID, as Go's tar.FileInfoHeader looks them up for the headers of
 * `docker export` (user.LookupId and LookupGroupId: /etc/passwd and /etc/group of the machine the store
 * runs on). Read once: the lookups Go caches are per process as well.
 */
export class AccountNames {
  private users: Map<number, string> | undefined;
  private groups: Map<number, string> | undefined;

  constructor(
    private readonly passwdFile = "/etc/passwd",
    private readonly groupFile = "/etc/group",
  ) {}

  /** The user's name, "" when the host has none for the ID. */
  user(uid: number): string {
    return (this.users ??= readNames(this.passwdFile)).get(uid) ?? "";
  }

  /** The group's name, "" when the host has none for the ID. */
  group(gid: number): string {
    return (this.groups ??= readNames(this.groupFile)).get(gid) ?? "";
  }
}

/** name:password:id:... lines; the first name of an ID wins, as getpwuid's does. */
function readNames(file: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of readIfPresent(file).split("\n")) {
    const [name, , id] = line.split(":");
    if (!name || id === undefined || !/^[0-9]+$/.test(id) || names.has(Number(id))) continue;
    names.set(Number(id), name);
  }
  return names;
}

/** A host without the file has no names (Go's lookups fail, and the header keeps them empty). */
function readIfPresent(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
