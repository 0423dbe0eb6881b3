import { TarWriter, noise } from "../src/testing/index.js";

export const MTIME = 1_700_000_000;
export const LONG_GNU_NAME = `usr/share/${"long-gnu-name-".repeat(10)}file`;
export const LONG_PAX_NAME = `usr/share/${"long-pax-path/".repeat(20)}file`;
export const LONG_LINK_TARGET = `../share/${"target-".repeat(20)}end`;
export const NON_UTF8_NAME = Buffer.from([0x75, 0x73, 0x72, 0x2f, 0x66, 0xff, 0x66]); // "usr/f\xfff"
export const ESCAPED_NAME = 'usr/we<&>"ird\tname.txt';
export const BIG_FILE_SIZE = 3 * 1024 * 1024 + 17;

/**
 * A layer that uses every feature the extractor handles: GNU long names and links, PAX paths,
 * fractional mtimes and xattrs, a global header, hardlinks, in-layer symlinks, whiteouts, an
 * opaque dir, a fifo, setuid and sticky modes, other owners, a non-UTF-8 name, names Go's JSON
 * escapes, the old "\0" regular type, a multi-chunk file and trailing data after the end marker.
 */
export function generatedLayer(): Buffer {
  const w = new TarWriter();
  const t = { mtime: MTIME };
  w.pax({ comment: "global header" }, "g", "pax_global_header");
  w.dir("./", { mode: 0o700, ...t });
  w.dir("bin/", { ...t, mtime: MTIME - 100 });
  w.file("bin/su", "#!/bin/sh\n", { mode: 0o4755, ...t });
  w.hardlink("bin/su-link", "bin/su", { mode: 0o4755, ...t });
  w.dir("etc/", { mode: 0o751, uid: 1000, gid: 1001, ...t });
  w.pax({ mtime: "1700000000.123456789", "SCHILY.xattr.user.note": "hello xattr" });
  w.file("etc/conf", "key=value\n", { mode: 0o640, uid: 1000, gid: 1000, ...t });
  w.file("etc/.wh.gone", "", t);
  w.dir("tmp/", { mode: 0o1777, ...t });
  w.dir("opaque-dir/", { ...t, mtime: MTIME + 5 });
  w.file("opaque-dir/.wh..wh..opq", "", t);
  w.file("opaque-dir/kept", "kept\n", t);
  w.dir("usr/", t);
  w.dir("usr/share/", t);
  w.dir("usr/lib/", t);
  w.symlink("usr/lib64", "lib", t);
  w.file("usr/lib64/through-symlink", "resolved inside the layer\n", t);
  w.gnuLong(LONG_GNU_NAME).file(LONG_GNU_NAME.slice(0, 100), "gnu long name\n", { format: "gnu", ...t });
  for (let i = 1; i <= 20; i++) w.pax({ path: `usr/share/${"long-pax-path/".repeat(i)}` }).dir("PaxHeaders/dir/", t);
  w.pax({ path: LONG_PAX_NAME }).file("PaxHeaders/long", "pax long name\n", t);
  w.gnuLong(LONG_LINK_TARGET, "K").symlink("usr/lib/long-link", LONG_LINK_TARGET.slice(0, 100), { format: "gnu", ...t });
  w.file(NON_UTF8_NAME, "not utf-8\n", t);
  w.file(ESCAPED_NAME, "escaped\n", t);
  w.entry({ name: "usr/old-regular", typeflag: "\0", ...t }, "old type\n");
  w.file("usr/empty", "", t);
  w.file("usr/big", noise(BIG_FILE_SIZE, 7), { mode: 0o600, ...t });
  w.dir("run/", t);
  w.device("run/fifo", "fifo", 0, 0, { mode: 0o620, ...t });
  w.device("run/char-whiteout", "char", 0, 0, { mode: 0, ...t });
  return w.end(3000);
}
