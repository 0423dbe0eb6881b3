import { X509Certificate, createPrivateKey, generateKeyPairSync } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createCertificateAuthority, loadCertificateAuthority, SLIPWAY_IDENTITIES, spiffeIdOf, subjectNameOf } from "./index.js";

const DAY = 86_400_000;

describe("createCertificateAuthority", () => {
  it("makes a self-signed ECDSA P-256 CA valid for 10 years", async () => {
    const before = Date.now();
    const ca = await createCertificateAuthority();
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe("CN=Slipway CA");
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: "prime256v1" });
    expect(cert.keyUsage).toBeUndefined(); // node lists only extended key usages
    const notBefore = Date.parse(cert.validFrom);
    expect(notBefore).toBeLessThanOrEqual(before - 4 * 60_000);
    expect(notBefore).toBeGreaterThan(before - 6 * 60_000);
    expect(Date.parse(cert.validTo) - before).toBeGreaterThan(3650 * DAY - 60_000);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
    expect(createPrivateKey(ca.keyPem).asymmetricKeyType).toBe("ec");
  });

  it("takes a common name and a validity", async () => {
    const notBefore = new Date("2030-01-01T00:00:00Z");
    const notAfter = new Date("2031-01-01T00:00:00Z");
    const cert = new X509Certificate((await createCertificateAuthority({ commonName: "Other CA", notBefore, notAfter })).certPem);
    expect(cert.subject).toBe("CN=Other CA");
    expect(new Date(cert.validFrom)).toEqual(notBefore);
    expect(new Date(cert.validTo)).toEqual(notAfter);
    await expect(createCertificateAuthority({ notBefore: notAfter, notAfter: notBefore })).rejects.toThrow(/notAfter .* must be after notBefore/);
  });

  it("never shows the key when the CA or a certificate is logged", async () => {
    const ca = await createCertificateAuthority();
    const leaf = await ca.issue("cli");
    for (const value of [ca, leaf]) {
      const shown = inspect(value);
      expect(shown).toContain("BEGIN CERTIFICATE");
      expect(shown).not.toContain("PRIVATE KEY");
      expect(shown).toContain("[private key redacted]");
    }
    expect(Object.keys(leaf)).toEqual(["certPem", "keyPem"]);
  });
});

describe("CertificateAuthority.issue", () => {
  it("issues a leaf that verifies against its CA, names the app and serves both ends of mutual TLS", async () => {
    const ca = await createCertificateAuthority();
    const caCert = new X509Certificate(ca.certPem);
    const leaf = await ca.issue("orchestrator");
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subject.split("\n").sort()).toEqual(["CN=orchestrator", "O=Slipway"]);
    expect(cert.issuer).toBe("CN=Slipway CA");
    expect(cert.subjectAltName).toBe(
      "URI:spiffe://slipway/orchestrator, DNS:orchestrator, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
    );
    expect(cert.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"])); // serverAuth, clientAuth
    expect(cert.checkHost("orchestrator")).toBe("orchestrator");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(false);
  });

  it("puts the extensions the brief asks for, with the criticality it asks for", async () => {
    const ca = await createCertificateAuthority();
    const leaf = await ca.issue("layer-store");
    const caExtensions = extensions(ca.certPem);
    expect(caExtensions.get("2.5.29.19")).toEqual({ critical: true, value: "30030101ff" }); // CA:TRUE
    expect(caExtensions.get("2.5.29.15")).toEqual({ critical: true, value: "03020106" }); // keyCertSign, cRLSign
    expect(caExtensions.has("2.5.29.14")).toBe(true); // subject key identifier
    const leafExtensions = extensions(leaf.certPem);
    expect(leafExtensions.get("2.5.29.19")).toEqual({ critical: false, value: "3000" }); // CA:FALSE
    expect(leafExtensions.get("2.5.29.15")).toEqual({ critical: true, value: "03020780" }); // digitalSignature
    // The authority key identifier is the CA's subject key identifier.
    expect(leafExtensions.get("2.5.29.35")!.value).toBe(`3016${"8014"}${caExtensions.get("2.5.29.14")!.value.slice(4)}`);
  });

  it("adds DNS names and IP addresses, takes a URI and a validity", async () => {
    const ca = await createCertificateAuthority();
    const leaf = await ca.issue("engine-api", {
      dnsNames: ["engine.example.com", "localhost"],
      ipAddresses: ["10.0.0.7", "fd00::7", "::1"],
      uri: "spiffe://other/engine",
      notBefore: new Date("2030-06-01T00:00:00Z"),
      notAfter: new Date("2030-07-01T00:00:00Z"),
    });
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.subjectAltName).toBe(
      "URI:spiffe://other/engine, DNS:engine-api, DNS:localhost, DNS:engine.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.0.0.7, IP Address:FD00:0:0:0:0:0:0:7",
    );
    expect(new Date(cert.validFrom)).toEqual(new Date("2030-06-01T00:00:00Z"));
    expect(new Date(cert.validTo)).toEqual(new Date("2030-07-01T00:00:00Z"));
  });

  it("defaults to one year from five minutes ago, with a random positive 16-byte serial", async () => {
    const ca = await createCertificateAuthority();
    const now = Date.now();
    const serials = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const cert = new X509Certificate((await ca.issue("cli")).certPem);
      expect(cert.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
      serials.add(cert.serialNumber);
      expect(Math.abs(Date.parse(cert.validFrom) - (now - 5 * 60_000))).toBeLessThan(5_000);
      expect(Math.abs(Date.parse(cert.validTo) - Date.parse(cert.validFrom) - 365 * DAY)).toBeLessThan(1_000);
    }
    expect(serials.size).toBe(8);
  });

  it("refuses names that cannot be host names and IPs passed as DNS names", async () => {
    const ca = await createCertificateAuthority();
    await expect(ca.issue("two words")).rejects.toThrow(/must be a host name/);
    await expect(ca.issue("../etc")).rejects.toThrow(/must be a host name/);
    await expect(ca.issue("cli", { dnsNames: ["10.0.0.1"] })).rejects.toThrow(/is an IP address/);
    await expect(ca.issue("cli", { ipAddresses: ["example.com"] })).rejects.toThrow(/not an IP address/);
    await expect(ca.issue("cli", { notBefore: new Date(), notAfter: new Date(Date.now() - DAY) })).rejects.toThrow(/must be after/);
  });
});

describe("loadCertificateAuthority", () => {
  it("issues under a CA read back from its PEM files", async () => {
    const original = await createCertificateAuthority();
    const loaded = await loadCertificateAuthority(original.certPem, original.keyPem);
    expect(loaded.certPem).toBe(original.certPem);
    expect(loaded.keyPem).toBe(original.keyPem);
    const cert = new X509Certificate((await loaded.issue("image-store")).certPem);
    expect(cert.checkIssued(new X509Certificate(original.certPem))).toBe(true);
    expect(cert.verify(new X509Certificate(original.certPem).publicKey)).toBe(true);
  });

  it("accepts a SEC1 (EC PRIVATE KEY) file and hands back PKCS#8", async () => {
    const original = await createCertificateAuthority();
    const sec1 = createPrivateKey(original.keyPem).export({ type: "sec1", format: "pem" }) as string;
    expect(sec1).toContain("BEGIN EC PRIVATE KEY");
    const loaded = await loadCertificateAuthority(original.certPem, sec1);
    expect(loaded.keyPem).toContain("-----BEGIN PRIVATE KEY-----");
    expect(new X509Certificate((await loaded.issue("cli")).certPem).verify(new X509Certificate(original.certPem).publicKey)).toBe(true);
  });

  it("refuses a key that is not the certificate's, a leaf, and garbage, without echoing the key", async () => {
    const a = await createCertificateAuthority();
    const b = await createCertificateAuthority();
    const leaf = await a.issue("cli");
    await expect(loadCertificateAuthority(a.certPem, b.keyPem)).rejects.toThrow(/does not belong to the CA certificate/);
    await expect(loadCertificateAuthority(leaf.certPem, leaf.keyPem)).rejects.toThrow(/is not a CA/);
    await expect(loadCertificateAuthority("nope", a.keyPem)).rejects.toThrow(/not a PEM certificate/);
    const garbled = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
    const error = await loadCertificateAuthority(a.certPem, garbled).catch((err: Error) => err);
    expect((error as Error).message).toBe("the CA key is not a PEM private key");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    await expect(loadCertificateAuthority(a.certPem, rsa)).rejects.toThrow(/does not belong/);
  });
});

describe("names", () => {
  it("spells SPIFFE IDs and classifies extra names", () => {
    expect(SLIPWAY_IDENTITIES).toEqual(["layer-store", "image-store", "container-config", "orchestrator", "engine-api", "cli"]);
    expect(spiffeIdOf("orchestrator")).toBe("spiffe://slipway/orchestrator");
    expect(subjectNameOf("10.1.2.3")).toEqual({ type: "ip", value: "10.1.2.3" });
    expect(subjectNameOf("[fd00::1]")).toEqual({ type: "ip", value: "fd00::1" });
    expect(subjectNameOf("::ffff:10.0.0.1")).toEqual({ type: "ip", value: "::ffff:a00:1" });
    expect(subjectNameOf("build-host.example.com")).toEqual({ type: "dns", value: "build-host.example.com" });
    expect(subjectNameOf("*.svc.local")).toEqual({ type: "dns", value: "*.svc.local" });
    expect(() => subjectNameOf("not a host")).toThrow(/not a host name or an IP address/);
    expect(() => subjectNameOf("fe80::1%eth0")).toThrow(/zone/);
  });
});

/** The certificate's extensions by OID: criticality and the DER of extnValue's contents, as hex. */
function extensions(pem: string): Map<string, { critical: boolean; value: string }> {
  const der = new X509Certificate(pem).raw;
  const result = new Map<string, { critical: boolean; value: string }>();
  // Walk: Certificate → tbsCertificate → [3] extensions → SEQUENCE OF Extension.
  const tbs = children(der, 0)[0]!;
  const explicit = children(der, tbs.start).find((c) => der[c.tagAt] === 0xa3)!;
  const list = children(der, explicit.start)[0]!;
  for (const extension of children(der, list.start)) {
    const parts = children(der, extension.start);
    const oid = oidText(der.subarray(parts[0]!.contentStart, parts[0]!.end));
    const critical = parts.length === 3 && der[parts[1]!.contentStart] === 0xff;
    const value = parts[parts.length - 1]!;
    result.set(oid, { critical, value: der.subarray(value.contentStart, value.end).toString("hex") });
  }
  return result;
}

interface Tlv {
  tagAt: number;
  start: number;
  contentStart: number;
  end: number;
}

/** The TLVs inside the constructed TLV at `at`. */
function children(der: Buffer, at: number): Tlv[] {
  const outer = tlv(der, at);
  const result: Tlv[] = [];
  for (let i = outer.contentStart; i < outer.end;) {
    const child = tlv(der, i);
    result.push(child);
    i = child.end;
  }
  return result;
}

function tlv(der: Buffer, at: number): Tlv {
  let length = der[at + 1]!;
  let contentStart = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[at + 2 + i]!;
    contentStart += bytes;
  }
  return { tagAt: at, start: at, contentStart, end: contentStart + length };
}

function oidText(bytes: Buffer): string {
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}
