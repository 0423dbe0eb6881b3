import { basename } from "node:path";
import { SLIPWAY_IDENTITIES, spiffeIdOf, subjectNameOf, writeCertificateSet, type KeyOwner } from "@slipway/pki";
import type { CliContext } from "../context.js";
import { parseFlags, UsageError } from "../flags.js";

export const CERTS_USAGE = "slipway certs --out DIR [--days N] [--san NAME]... [--key-owner APP=UID[:GID]]... [--new-ca]";

/**
 * `slipway certs --out DIR`: the CA and a mutual-TLS certificate per app (`spiffe://slipway/<app>`), written
 * locally; no stack needed. Run again to rotate the leaves under the same CA, `--new-ca` to replace the CA.
 */
export async function certs(args: readonly string[], ctx: Pick<CliContext, "out">): Promise<number> {
  const flags = parseFlags(args, [
    { long: "out", short: "o", kind: "string" },
    { long: "days", kind: "string" },
    { long: "san", kind: "list" },
    { long: "key-owner", kind: "list" },
    { long: "new-ca", kind: "bool" },
  ]);
  if (flags.positionals.length > 0) throw new UsageError(`"certs" takes no arguments (got "${flags.positionals[0]}"): ${CERTS_USAGE}`);
  const days = parseDays(flags.strings.get("days"));
  const extraNames = flags.lists.get("san") ?? [];
  for (const name of extraNames) {
    try {
      subjectNameOf(name);
    } catch (err) {
      throw new UsageError(`invalid --san: ${(err as Error).message}`);
    }
  }
  const keyOwners = parseKeyOwners(flags.lists.get("key-owner") ?? []);
  const outDir = flags.strings.get("out");
  if (!outDir) throw new UsageError(`certs needs the directory to write to: ${CERTS_USAGE}`);

  const result = await writeCertificateSet(outDir, { days, extraNames, keyOwners, newCa: flags.bools.has("new-ca") });
  const names = [...SLIPWAY_IDENTITIES];
  const written = new Set(result.files.map((file) => basename(file)));
  const lines = [
    result.reusedCa
      ? `Reused the CA in ${outDir} and wrote certificates for ${names.join(", ")}`
      : `Wrote a new CA and certificates for ${names.join(", ")} to ${outDir}`,
  ];
  if (written.has("ca.key")) lines.push("  ca.crt ca.key (keep ca.key offline once the certificates are issued)");
  const width = Math.max(...names.map((n) => `${n}.crt ${n}.key`.length));
  for (const name of names) {
    const owner = keyOwners[name];
    lines.push(`  ${`${name}.crt ${name}.key`.padEnd(width)}  ${spiffeIdOf(name)}${owner ? `  (key owned by ${owner.uid}:${owner.gid})` : ""}`);
  }
  const sans = extraNames.length > 0 ? `, also for ${extraNames.join(", ")}` : "";
  lines.push(`Valid for ${days} day${days === 1 ? "" : "s"}, until ${result.notAfter.toISOString().slice(0, 10)}${sans}.`);
  ctx.out.write(`${lines.join("\n")}\n`);
  return 0;
}

function parseDays(text: string | undefined): number {
  if (text === undefined) return 365;
  if (!/^\d+$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`invalid argument "${text}" for "--days" flag: a positive whole number of days`);
  }
  return Number(text);
}

/** `APP=UID[:GID]`, GID defaulting to UID; APP one of the identities. */
function parseKeyOwners(specs: readonly string[]): Record<string, KeyOwner> {
  const owners: Record<string, KeyOwner> = {};
  for (const spec of specs) {
    const match = /^([^=]+)=(\d+)(?::(\d+))?$/.exec(spec);
    if (!match) throw new UsageError(`invalid argument "${spec}" for "--key-owner" flag: use APP=UID or APP=UID:GID (numeric ids)`);
    const [, app, uid, gid] = match;
    if (!(SLIPWAY_IDENTITIES as readonly string[]).includes(app!)) {
      throw new UsageError(`invalid argument "${spec}" for "--key-owner" flag: "${app}" is not one of ${SLIPWAY_IDENTITIES.join(", ")}`);
    }
    const owner = { uid: Number(uid), gid: Number(gid ?? uid) };
    if (owner.uid > 0xffff_fffe || owner.gid > 0xffff_fffe)
      throw new UsageError(`invalid argument "${spec}" for "--key-owner" flag: an id is too large`);
    owners[app!] = owner;
  }
  return owners;
}
