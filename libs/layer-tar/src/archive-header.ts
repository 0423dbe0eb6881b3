// The header blocks dockerd's pkg/archive (TarWithOptions, as `docker export` uses it) writes for one file,
// through Go's archive/tar Writer: USTAR whenever the entry fits it (a long name split into prefix and
// name), PAX otherwise (a non-ASCII or unsplittable name, a long link target or account name, a large ID,
// the file capability xattr), with the PAX records sorted by key under "<dir>/PaxHeaders.0/<base>".
import { posix } from "node:path";
import { encodeTarHeader, storeChecksum, tarPadding } from "./tar-writer.js";

/** One file as pkg/archive describes it (tar.FileInfoHeader plus its own additions). */
export interface ArchiveEntry {
  /** Relative path; a directory's ends in "/" (canonicalTarName). */
  readonly name: string;
  /** "0" file, "1" hard link, "2" symlink, "3" char device, "4" block device, "5" directory, "6" FIFO. */
  readonly typeflag: string;
  /** Permission, setuid/setgid/sticky and file-type bits (moby's fillGo18FileTypeBits), as in st_mode. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** The host's names of uid and gid ("" when it has none), as tar.FileInfoHeader looks them up. */
  readonly uname: string;
  readonly gname: string;
  /** Content bytes: a regular file's size, 0 for every other type (and for a hard link). */
  readonly size: number;
  /** Unix seconds, truncated. */
  readonly mtime: number;
  /** A symlink's target or a hard link's first name. */
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  /** The security.capability xattr, when the file has one. */
  readonly capability?: Buffer;
}

const NAME_SIZE = 100;
const PREFIX_SIZE = 155;
const ID_LIMIT = 0o7777777;

/** The header blocks of one entry (a PAX header and its records first, when it needs them). */
export function archiveHeaderBlocks(entry: ArchiveEntry): Buffer[] {
  const pax = paxRecordsOf(entry);
  const split = splitUstarPath(entry.name);
  if (pax.size === 0 || (onlyPath(pax) && split)) return [ustarHeader(entry, split)];
  const records = Buffer.from(
    [...pax.keys()]
      .sort()
      .map((key) => formatPaxRecord(key, pax.get(key)!))
      .join(""),
    "latin1",
  );
  return [paxHeader(entry.name, records.length), records, tarPadding(records.length), paxMainHeader(entry)];
}

/** What does not fit a USTAR header, as PAX records (values are byte strings). */
function paxRecordsOf(entry: ArchiveEntry): Map<string, string> {
  const records = new Map<string, string>();
  const text = (key: string, value: string, size: number) => {
    if (!isAscii(value) || Buffer.byteLength(value) > size) records.set(key, utf8Bytes(value));
  };
  text("path", entry.name, NAME_SIZE);
  text("linkpath", entry.linkname, NAME_SIZE);
  text("uname", entry.uname, 32);
  text("gname", entry.gname, 32);
  if (entry.uid > ID_LIMIT) records.set("uid", String(entry.uid));
  if (entry.gid > ID_LIMIT) records.set("gid", String(entry.gid));
  if (entry.capability) records.set("SCHILY.xattr.security.capability", entry.capability.toString("latin1"));
  return records;
}

const onlyPath = (records: Map<string, string>) => records.size === 1 && records.has("path");

/** Go's splitUSTARPath: a long ASCII name as prefix and name at a slash, when both parts fit. */
export function splitUstarPath(name: string): { prefix: string; name: string } | undefined {
  let length = name.length;
  if (length <= NAME_SIZE || !isAscii(name)) return undefined;
  if (length > PREFIX_SIZE + 1) length = PREFIX_SIZE + 1;
  else if (name[length - 1] === "/") length--;
  const slash = name.lastIndexOf("/", length - 1);
  const suffixLength = name.length - slash - 1;
  if (slash <= 0 || suffixLength > NAME_SIZE || suffixLength === 0 || slash > PREFIX_SIZE) return undefined;
  return { prefix: name.slice(0, slash), name: name.slice(slash + 1) };
}

function ustarHeader(entry: ArchiveEntry, split: { prefix: string; name: string } | undefined): Buffer {
  const block = encodeTarHeader({ ...fieldsOf(entry), name: split?.name ?? entry.name });
  if (split) {
    block.write(split.prefix, 345, "latin1");
    storeChecksum(block);
  }
  return block;
}

/** The main header after PAX records: each field as much of the value as fits (ASCII only), numbers that do not fit as 0. */
function paxMainHeader(entry: ArchiveEntry): Buffer {
  const fitting = (value: string, size: number) => truncatedField(toAscii(value), size);
  return encodeTarHeader({
    ...fieldsOf(entry),
    name: fitting(entry.name, NAME_SIZE),
    linkname: fitting(entry.linkname, NAME_SIZE),
    uname: fitting(entry.uname, 32),
    gname: fitting(entry.gname, 32),
    uid: entry.uid > ID_LIMIT ? 0 : entry.uid,
    gid: entry.gid > ID_LIMIT ? 0 : entry.gid,
  });
}

/**
 * Go's writeRawFile for the "x" header: named "<dir>/PaxHeaders.0/<base>" (ASCII, at most 100 bytes, no
 * trailing slash), every field but name, mode, IDs, size and mtime left zero.
 */
function paxHeader(realName: string, size: number): Buffer {
  const slash = realName.lastIndexOf("/") + 1;
  const joined = posix.join(realName.slice(0, slash), "PaxHeaders.0", realName.slice(slash));
  const name = toAscii(joined).slice(0, NAME_SIZE).replace(/\/+$/, "");
  const block = encodeTarHeader({ name, typeflag: "x", mode: 0, size, mtime: 0, uname: "", gname: "" });
  block.fill(0, 329, 345);
  storeChecksum(block);
  return block;
}

function fieldsOf(entry: ArchiveEntry) {
  const { typeflag, mode, uid, gid, uname, gname, size, mtime, linkname, devmajor, devminor } = entry;
  return { typeflag, mode, uid, gid, uname, gname, size, mtime, linkname, devmajor, devminor };
}

/** Go's formatPAXRecord: "<length> <key>=<value>\n", the length counting its own digits. */
export function formatPaxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const size = body.length + String(body.length).length;
  const record = `${size}${body}`;
  return record.length === size ? record : `${record.length}${body}`;
}

/** A formatString field that overflows: its first bytes, a trailing slash cut as Go cuts it. */
function truncatedField(value: string, size: number): string {
  if (value.length <= size) return value;
  const kept = value.slice(0, size);
  if (!kept.endsWith("/")) return kept;
  const end = kept.slice(0, size - 1).replace(/\/+$/, "").length;
  return `${kept.slice(0, end)}\0${kept.slice(end + 1)}`;
}

const isAscii = (value: string) => /^\p{ASCII}*$/u.test(value);
/** Go's toASCII: non-ASCII characters dropped. */
const toAscii = (value: string) => value.replace(/\P{ASCII}/gu, "");
/** A JS string as its UTF-8 bytes, one latin1 character per byte. */
const utf8Bytes = (value: string) => Buffer.from(value, "utf8").toString("latin1");
