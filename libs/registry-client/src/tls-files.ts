/**
 * The TLS material dockerd uses for a registry: the system CAs (the bundle Go's crypto/x509 reads), plus
 * `<certsDir>/<host:port>/`: every `*.crt` is an extra CA, every `*.cert` with its `*.key` a client
 * certificate (registry.ReadCertsDirectory, with its error texts).
 */
import { readFile, readdir } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { RegistryError } from "./errors.js";

/** dockerd's default certs.d. */
export const DEFAULT_CERTS_DIR = "/etc/docker/certs.d";

// Where Go looks for the system bundle on Linux, in its order.
const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/pki/tls/cacert.pem",
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  "/etc/ssl/cert.pem",
];

export interface ClientCertificate {
  readonly cert: string;
  readonly key: string;
}

export interface CertsDirectory {
  /** PEM text of the extra CAs, one entry per file. */
  readonly cas: readonly string[];
  /** Client certificates, in file name order (Go presents the first that suits the server). */
  readonly clientCertificates: readonly ClientCertificate[];
}

/** Reads `<certsDir>/<host>/`; a missing directory is empty. */
export async function readCertsDirectory(certsDir: string, host: string): Promise<CertsDirectory> {
  const dir = join(certsDir, host);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { cas: [], clientCertificates: [] };
    throw new RegistryError(`cannot read ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const cas: string[] = [];
  const clientCertificates: ClientCertificate[] = [];
  for (const name of names) {
    if (name.endsWith(".crt")) cas.push(await readFile(join(dir, name), "utf8"));
    if (name.endsWith(".cert")) {
      const keyName = `${name.slice(0, -".cert".length)}.key`;
      if (!names.includes(keyName))
        throw new RegistryError(`missing key ${keyName} for client certificate ${name}. Note that CA certificates should use the extension .crt`);
      clientCertificates.push({ cert: await readFile(join(dir, name), "utf8"), key: await readFile(join(dir, keyName), "utf8") });
    }
    if (name.endsWith(".key") && !names.includes(`${name.slice(0, -".key".length)}.cert`)) {
      throw new RegistryError(`Missing client certificate ${name.slice(0, -".key".length)}.cert for key ${name}`);
    }
  }
  return { cas, clientCertificates };
}

let systemBundle: string | undefined;

/** The system CA bundle as one PEM text (SSL_CERT_FILE, else the first of Go's paths; else Node's own roots). */
export function systemCertificates(): string {
  if (systemBundle !== undefined) return systemBundle;
  const candidates = process.env.SSL_CERT_FILE ? [process.env.SSL_CERT_FILE] : SYSTEM_BUNDLES;
  for (const path of candidates) {
    try {
      return (systemBundle = readFileSync(path, "utf8"));
    } catch {
      // Go tries the next file too.
    }
  }
  return (systemBundle = rootCertificates.join("\n"));
}
