import { createPrivateKey, createPublicKey, webcrypto } from "node:crypto";
import { inspect } from "node:util";
// @peculiar/x509 2.x resolves its algorithms through tsyringe, which needs the Reflect metadata API installed
// before the library loads (ES modules run in import order).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { isDnsName, spiffeIdOf, subjectNameOf } from "./names.js";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const subtle = webcrypto.subtle;
const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING_ALGORITHM = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;
/** How far before "now" a certificate starts by default, so a peer whose clock is a little behind accepts it. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface IssueOptions {
  /** DNS names added to `<name>` and `localhost`. */
  dnsNames?: string[];
  /** IP addresses added to 127.0.0.1 and ::1. */
  ipAddresses?: string[];
  /** Default: now minus 5 minutes. */
  notBefore?: Date;
  /** Default: notBefore plus 365 days. */
  notAfter?: Date;
  /** The URI SAN; default `spiffe://slipway/<name>`. */
  uri?: string;
}

/** A certificate and its private key, both PEM (the key PKCS#8, `-----BEGIN PRIVATE KEY-----`). */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends IssuedCertificate {
  /** Issues a leaf for `name`: CN=<name>, O=Slipway, serverAuth and clientAuth, SAN spiffe://slipway/<name>. */
  issue(name: string, options?: IssueOptions): Promise<IssuedCertificate>;
}

export interface CertificateAuthorityOptions {
  /** Default "Slipway CA". */
  commonName?: string;
  /** Default: now minus 5 minutes. */
  notBefore?: Date;
  /** Default: 10 years after now. */
  notAfter?: Date;
}

/** A new self-signed ECDSA P-256 CA: CA:true and keyCertSign+cRLSign (both critical), a subject key identifier. */
export async function createCertificateAuthority(options: CertificateAuthorityOptions = {}): Promise<CertificateAuthority> {
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - CLOCK_SKEW_MS);
  const notAfter = options.notAfter ?? addYears(new Date(now), 10);
  checkValidity(notBefore, notAfter);
  const keys = (await subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [options.commonName ?? "Slipway CA"] }],
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return authority(cert, keys.privateKey, await exportKeyPem(keys.privateKey));
}

/**
 * The CA in `certPem`/`keyPem` (as `createCertificateAuthority` or `slipway certs` wrote them), to issue more
 * leaves under it. Throws when the certificate is not a CA or the key is not the certificate's.
 */
export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (err) {
    throw new Error(`the CA certificate is not a PEM certificate: ${(err as Error).message}`, { cause: err });
  }
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) throw new Error(`the CA certificate (${cert.subject}) is not a CA: basicConstraints CA:true is missing`);
  let privateKeyDer: Buffer;
  let publicKeyDer: Buffer;
  try {
    const privateKey = createPrivateKey(keyPem);
    privateKeyDer = privateKey.export({ type: "pkcs8", format: "der" });
    publicKeyDer = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  } catch {
    // Never the key's text, nor node's message about it.
    throw new Error("the CA key is not a PEM private key");
  }
  if (!publicKeyDer.equals(Buffer.from(cert.publicKey.rawData)))
    throw new Error(`the CA key does not belong to the CA certificate (${cert.subject})`);
  let signingKey: CryptoKey;
  try {
    signingKey = await subtle.importKey("pkcs8", privateKeyDer, KEY_ALGORITHM, false, ["sign"]);
  } catch {
    throw new Error("the CA key is not an ECDSA P-256 key");
  }
  return authority(cert, signingKey, normalizedKeyPem(keyPem, privateKeyDer));
}

function authority(cert: x509.X509Certificate, signingKey: CryptoKey, keyPem: string): CertificateAuthority {
  const certPem = toPem(cert);
  const keyId = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const ca: CertificateAuthority = {
    certPem,
    keyPem,
    async issue(name, options = {}) {
      if (!isDnsName(name)) throw new TypeError(`a certificate name must be a host name (it is also a DNS SAN): "${name}"`);
      const notBefore = options.notBefore ?? new Date(Date.now() - CLOCK_SKEW_MS);
      const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 365 * DAY_MS);
      checkValidity(notBefore, notAfter);
      const names = [
        { type: "url" as const, value: options.uri ?? spiffeIdOf(name) },
        ...uniqueNames([name, "localhost", ...(options.dnsNames ?? [])].map((value) => ({ type: "dns" as const, value: checkDns(value) }))),
        ...uniqueNames(["127.0.0.1", "::1", ...(options.ipAddresses ?? [])].map(checkIp)),
      ];
      const keys = (await subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerialNumber(),
        subject: [{ O: ["Slipway"] }, { CN: [name] }],
        issuer: cert.subjectName,
        notBefore,
        notAfter,
        signingAlgorithm: SIGNING_ALGORITHM,
        publicKey: keys.publicKey,
        signingKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, false),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
          keyId ? new x509.AuthorityKeyIdentifierExtension(keyId) : await x509.AuthorityKeyIdentifierExtension.create(cert.publicKey),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
          new x509.SubjectAlternativeNameExtension(names),
        ],
      });
      return redacted({ certPem: toPem(leaf), keyPem: await exportKeyPem(keys.privateKey) });
    },
  };
  return redacted(ca);
}

/** 16 random bytes with the high bit cleared (a positive INTEGER) and the first byte non-zero (so 16 bytes encoded). */
function randomSerialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString("hex");
}

function checkValidity(notBefore: Date, notAfter: Date): void {
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) throw new RangeError("notBefore and notAfter must be valid dates");
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new RangeError(`notAfter (${notAfter.toISOString()}) must be after notBefore (${notBefore.toISOString()})`);
  }
}

function checkDns(value: string): string {
  const name = subjectNameOf(value);
  if (name.type !== "dns") throw new TypeError(`"${value}" is an IP address: pass it in ipAddresses`);
  return name.value;
}

function checkIp(value: string): { type: "ip"; value: string } {
  const name = subjectNameOf(value);
  if (name.type !== "ip") throw new TypeError(`not an IP address: "${value}"`);
  return { type: "ip", value: name.value };
}

function uniqueNames<T extends { value: string }>(names: T[]): T[] {
  const seen = new Set<string>();
  return names.filter((n) => !seen.has(n.value.toLowerCase()) && !!seen.add(n.value.toLowerCase()));
}

function addYears(date: Date, years: number): Date {
  const result = new Date(date);
  result.setUTCFullYear(result.getUTCFullYear() + years);
  return result;
}

function toPem(cert: x509.X509Certificate): string {
  return `${cert.toString("pem")}\n`;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return `${x509.PemConverter.encode(await subtle.exportKey("pkcs8", key), "PRIVATE KEY")}\n`;
}

/** The loaded key as PKCS#8 PEM whatever its input form (a SEC1 `EC PRIVATE KEY` file is accepted too). */
function normalizedKeyPem(keyPem: string, pkcs8Der: Buffer): string {
  return keyPem.includes("-----BEGIN PRIVATE KEY-----") ? keyPem : `${x509.PemConverter.encode(pkcs8Der, "PRIVATE KEY")}\n`;
}

/** `console.log`/`util.inspect` of a CA or an issued certificate shows the certificate, never the key. */
function redacted<T extends IssuedCertificate>(value: T): T {
  Object.defineProperty(value, inspect.custom, {
    enumerable: false,
    value: function (this: T) {
      return { ...this, keyPem: "[private key redacted]" };
    },
  });
  return value;
}
