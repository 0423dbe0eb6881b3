import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SLIPWAY_IDENTITIES, writeCertificateSet } from "./index.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "slipway-pki-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;
const serial = (path: string) => new X509Certificate(readFileSync(path)).serialNumber;
const isRoot = process.getuid?.() === 0;

describe("writeCertificateSet", () => {
  it("writes a CA and a certificate per app with the modes a key needs", async () => {
    const out = join(root, "certs", "nested");
    const result = await writeCertificateSet(out);
    expect(result.reusedCa).toBe(false);
    const expected = ["ca.crt", "ca.key", ...SLIPWAY_IDENTITIES.flatMap((n) => [`${n}.crt`, `${n}.key`])];
    expect(readdirSync(out).sort()).toEqual(expected.sort());
    expect(result.files.map((f) => f.slice(out.length + 1)).sort()).toEqual(expected.sort());
    expect(mode(out)).toBe(0o755);
    for (const file of expected) expect([file, mode(join(out, file))]).toEqual([file, file.endsWith(".key") ? 0o600 : 0o644]);

    const ca = new X509Certificate(readFileSync(join(out, "ca.crt")));
    for (const name of SLIPWAY_IDENTITIES) {
      const leaf = new X509Certificate(readFileSync(join(out, `${name}.crt`)));
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.subjectAltName).toContain(`URI:spiffe://slipway/${name}`);
      expect(leaf.checkPrivateKey(createKey(join(out, `${name}.key`)))).toBe(true);
      expect(Math.abs(Date.parse(leaf.validTo) - Date.now() - 365 * 86_400_000)).toBeLessThan(60_000);
      expect(Math.abs(Date.parse(leaf.validTo) - result.notAfter.getTime())).toBeLessThan(1_000);
    }
  });

  it("reuses the CA on a second run (new leaves, same ca.crt) and replaces it with newCa", async () => {
    await writeCertificateSet(root, { names: ["orchestrator", "cli"] });
    const caBytes = readFileSync(join(root, "ca.crt"));
    const caKeyBytes = readFileSync(join(root, "ca.key"));
    const firstSerial = serial(join(root, "orchestrator.crt"));

    const second = await writeCertificateSet(root, { names: ["orchestrator", "cli"], days: 30 });
    expect(second.reusedCa).toBe(true);
    expect(second.files.map((f) => f.slice(root.length + 1))).toEqual(["orchestrator.key", "orchestrator.crt", "cli.key", "cli.crt"]);
    expect(readFileSync(join(root, "ca.crt")).equals(caBytes)).toBe(true);
    expect(readFileSync(join(root, "ca.key")).equals(caKeyBytes)).toBe(true);
    expect(serial(join(root, "orchestrator.crt"))).not.toBe(firstSerial);
    const leaf = new X509Certificate(readFileSync(join(root, "orchestrator.crt")));
    expect(leaf.verify(new X509Certificate(caBytes).publicKey)).toBe(true);
    expect(Math.abs(Date.parse(leaf.validTo) - Date.now() - 30 * 86_400_000)).toBeLessThan(60_000);

    const third = await writeCertificateSet(root, { names: ["orchestrator", "cli"], newCa: true });
    expect(third.reusedCa).toBe(false);
    const newCa = readFileSync(join(root, "ca.crt"));
    expect(newCa.equals(caBytes)).toBe(false);
    expect(new X509Certificate(readFileSync(join(root, "cli.crt"))).verify(new X509Certificate(newCa).publicKey)).toBe(true);
    expect(readdirSync(root).filter((f) => f.startsWith(".tmp-"))).toEqual([]);
  });

  it("puts extra names on every leaf, IP literals as IP SANs", async () => {
    await writeCertificateSet(root, { names: ["engine-api"], extraNames: ["build-host", "10.0.0.5", "fd00::5"] });
    expect(new X509Certificate(readFileSync(join(root, "engine-api.crt"))).subjectAltName).toBe(
      "URI:spiffe://slipway/engine-api, DNS:engine-api, DNS:localhost, DNS:build-host, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:5",
    );
  });

  it.skipIf(!isRoot)("gives each key to its owner, and a rotation keeps a key's owner", async () => {
    await writeCertificateSet(root, { keyOwners: { orchestrator: { uid: 1234, gid: 5678 }, "layer-store": { uid: 42, gid: 42 } } });
    expect(owner(join(root, "orchestrator.key"))).toEqual([1234, 5678]);
    expect(owner(join(root, "layer-store.key"))).toEqual([42, 42]);
    expect(owner(join(root, "orchestrator.crt"))).toEqual([0, 0]);
    expect(owner(join(root, "cli.key"))).toEqual([0, 0]);
    expect(owner(join(root, "ca.key"))).toEqual([0, 0]);
    expect(mode(join(root, "orchestrator.key"))).toBe(0o600);

    await writeCertificateSet(root, { keyOwners: { "layer-store": { uid: 43, gid: 44 } } });
    expect(owner(join(root, "orchestrator.key"))).toEqual([1234, 5678]);
    expect(owner(join(root, "layer-store.key"))).toEqual([43, 44]);
  });

  it("refuses to replace a CA whose key is not there, unless newCa", async () => {
    await writeCertificateSet(root, { names: ["cli"] });
    rmSync(join(root, "ca.key"));
    const before = readFileSync(join(root, "cli.crt"));
    await expect(writeCertificateSet(root, { names: ["cli"] })).rejects.toThrow(/ca\.crt exists but ca\.key does not/);
    expect(readFileSync(join(root, "cli.crt")).equals(before)).toBe(true);
    expect((await writeCertificateSet(root, { names: ["cli"], newCa: true })).reusedCa).toBe(false);
  });

  it("refuses a CA key that does not match, and leaves the directory as it was", async () => {
    await writeCertificateSet(root, { names: ["cli"] });
    const other = mkdtempSync(join(tmpdir(), "slipway-pki-other-"));
    try {
      await writeCertificateSet(other, { names: ["cli"] });
      writeFileSync(join(root, "ca.key"), readFileSync(join(other, "ca.key")));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    const before = readFileSync(join(root, "cli.key"));
    await expect(writeCertificateSet(root, { names: ["cli"] })).rejects.toThrow(/cannot reuse the CA in .*: the CA key does not belong/);
    expect(readFileSync(join(root, "cli.key")).equals(before)).toBe(true);
  });

  it("explains bad options", async () => {
    await expect(writeCertificateSet(root, { days: 0 })).rejects.toThrow(/days must be a positive whole number/);
    await expect(writeCertificateSet(root, { days: 1.5 })).rejects.toThrow(/days must be a positive whole number/);
    await expect(writeCertificateSet(root, { names: ["../x"] })).rejects.toThrow(/must be a host name/);
    await expect(writeCertificateSet(root, { names: ["ca"] })).rejects.toThrow(/"ca" cannot be a certificate name/);
    await expect(writeCertificateSet(root, { names: ["cli", "cli"] })).rejects.toThrow(/named twice/);
    await expect(writeCertificateSet(root, { keyOwners: { orchestrater: { uid: 1, gid: 1 } } })).rejects.toThrow(
      /"orchestrater", which is not one of the certificates/,
    );
    await expect(writeCertificateSet(root, { keyOwners: { cli: { uid: -1, gid: 1 } } })).rejects.toThrow(/numeric uid and gid/);
    await expect(writeCertificateSet(root, { extraNames: ["no spaces"] })).rejects.toThrow(/not a host name or an IP address/);
    expect(readdirSync(root)).toEqual([]);
  });
});

function owner(path: string): [number, number] {
  const { uid, gid } = statSync(path);
  return [uid, gid];
}

function createKey(path: string) {
  return createPrivateKey(readFileSync(path, "utf8"));
}
