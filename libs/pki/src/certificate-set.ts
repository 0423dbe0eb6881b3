import { chmodSync, existsSync, statSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { writeFileAtomic, type FileOwner } from "@slipway/durable-fs";
import { CLOCK_SKEW_MS, createCertificateAuthority, loadCertificateAuthority, type CertificateAuthority } from "./authority.js";
import { SLIPWAY_IDENTITIES, subjectNameOf } from "./names.js";

const DAY_MS = 86_400_000;
/** Who owns a `<name>.key` (the uid and gid of the app that reads it). */
export type KeyOwner = FileOwner;

export interface CertificateSetOptions {
  /** The certificates to issue, each `<name>.crt`/`<name>.key`; default SLIPWAY_IDENTITIES. */
  names?: readonly string[];
  /** Leaf validity in days; default 365. */
  days?: number;
  /** Extra DNS names or IP addresses on every leaf (an IPv4/IPv6 literal becomes an IP SAN, anything else DNS). */
  extraNames?: readonly string[];
  /** Owner of `<name>.key` per name; without one, a replaced key keeps its previous file's owner. */
  keyOwners?: Readonly<Record<string, KeyOwner>>;
  /** Replace an existing ca.crt/ca.key instead of issuing under it. */
  newCa?: boolean;
}

export interface CertificateSet {
  /** The paths written, in the order they were written. */
  files: string[];
  /** True when the leaves were issued under the CA already in the directory (ca.crt/ca.key left as they were). */
  reusedCa: boolean;
  /** When the leaves expire. */
  notAfter: Date;
}

/**
 * Writes a CA and a certificate per name into `outDir`: `ca.crt` (0644), `ca.key` (0600), `<name>.crt` (0644),
 * `<name>.key` (0600, chowned per keyOwners). With a ca.crt and ca.key already there (and no newCa), the
 * leaves are issued under that CA, which is how leaves are rotated. Each file is replaced atomically (temp
 * file with its final mode and owner, fsync, rename, fsync of the directory), and a `.key` before its
 * `.crt`: a running stack that polls the `.crt` files never reads half a file.
 */
export async function writeCertificateSet(outDir: string, options: CertificateSetOptions = {}): Promise<CertificateSet> {
  const names = [...(options.names ?? SLIPWAY_IDENTITIES)];
  const days = options.days ?? 365;
  if (!Number.isInteger(days) || days <= 0) throw new RangeError(`days must be a positive whole number, not ${days}`);
  checkNames(names);
  const keyOwners = options.keyOwners ?? {};
  for (const [name, owner] of Object.entries(keyOwners)) {
    if (!names.includes(name)) throw new TypeError(`a key owner is given for "${name}", which is not one of the certificates (${names.join(", ")})`);
    if (!isId(owner.uid) || !isId(owner.gid))
      throw new TypeError(`the owner of ${name}.key must be a numeric uid and gid, not ${owner.uid}:${owner.gid}`);
  }
  const extras = (options.extraNames ?? []).map(subjectNameOf);
  const dnsNames = extras.filter((n) => n.type === "dns").map((n) => n.value);
  const ipAddresses = extras.filter((n) => n.type === "ip").map((n) => n.value);

  const created = await mkdir(outDir, { recursive: true, mode: 0o755 });
  if (created !== undefined) chmodSync(outDir, 0o755);

  const caCrt = join(outDir, "ca.crt");
  const caKey = join(outDir, "ca.key");
  const files: string[] = [];
  let ca: CertificateAuthority;
  const hasCrt = existsSync(caCrt);
  const hasKey = existsSync(caKey);
  const reusedCa = hasCrt && hasKey && !options.newCa;
  if (reusedCa) {
    ca = await loadCertificateAuthority(await readFile(caCrt, "utf8"), await readFile(caKey, "utf8")).catch((err: Error) => {
      throw new Error(`cannot reuse the CA in ${outDir}: ${err.message} (a new CA, newCa or \`slipway certs --new-ca\`, starts over)`);
    });
  } else {
    if (hasCrt && !options.newCa) {
      // Its key was taken offline: a new CA here would silently stop every peer trusting the old one.
      throw new Error(
        `${caCrt} exists but ${basename(caKey)} does not: put the CA key back to issue under this CA, or ask for a new CA (newCa, \`slipway certs --new-ca\`)`,
      );
    }
    ca = await createCertificateAuthority();
  }

  const now = Date.now();
  const notBefore = new Date(now - CLOCK_SKEW_MS);
  const notAfter = new Date(now + days * DAY_MS);
  const leaves = [];
  for (const name of names) leaves.push({ name, ...(await ca.issue(name, { dnsNames, ipAddresses, notBefore, notAfter })) });

  // Everything is issued before the first file is replaced, so a failure leaves the directory as it was.
  if (!reusedCa) {
    await writeAtomic(caKey, ca.keyPem, 0o600);
    await writeAtomic(caCrt, ca.certPem, 0o644);
    files.push(caKey, caCrt);
  }
  for (const leaf of leaves) {
    const key = join(outDir, `${leaf.name}.key`);
    const crt = join(outDir, `${leaf.name}.crt`);
    await writeAtomic(key, leaf.keyPem, 0o600, keyOwners[leaf.name] ?? previousOwner(key));
    await writeAtomic(crt, leaf.certPem, 0o644);
    files.push(key, crt);
  }
  return { files, reusedCa, notAfter };
}

function checkNames(names: string[]): void {
  if (names.length === 0) throw new TypeError("no certificate names given");
  const seen = new Set<string>();
  for (const name of names) {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/.test(name) || name.includes("..")) {
      throw new TypeError(`a certificate name must be a host name (letters, digits, "-", "_", "."): "${name}"`);
    }
    if (name.toLowerCase() === "ca") throw new TypeError(`"ca" cannot be a certificate name: ca.crt and ca.key are the CA's`);
    if (seen.has(name)) throw new TypeError(`"${name}" is named twice`);
    seen.add(name);
  }
}

function isId(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffff_fffe;
}

/** The owner of the key being replaced when it is not ours, so that a rotation keeps the app able to read it. */
function previousOwner(path: string): KeyOwner | undefined {
  try {
    const { uid, gid } = statSync(path);
    return uid === process.getuid?.() && gid === process.getgid?.() ? undefined : { uid, gid };
  } catch {
    return undefined;
  }
}

/** writeFileAtomic (temp file with its final mode and owner, fsync, rename, directory fsync), naming a refused chown. */
async function writeAtomic(path: string, data: string, mode: number, owner?: KeyOwner): Promise<void> {
  try {
    await writeFileAtomic(path, data, mode, owner);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (owner && (code === "EPERM" || code === "EINVAL")) {
      throw new Error(`cannot give ${basename(path)} to ${owner.uid}:${owner.gid}: ${code}`, { cause: err });
    }
    throw err;
  }
}
