import { readFileSync, statSync, unwatchFile, watchFile, type Stats } from "node:fs";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import type { experimental } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { ConfigError } from "../config.js";

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/** One app's TLS material: the CA that signs every Slipway certificate, and the app's own pair. */
export interface CertificatePaths {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface CertificateSet {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** The files `slipway certs` writes for an identity: ca.crt, <identity>.crt, <identity>.key. */
export function certificatePathsIn(dir: string, identity: string): CertificatePaths {
  return { ca: join(dir, "ca.crt"), cert: join(dir, `${identity}.crt`), key: join(dir, `${identity}.key`) };
}

/**
 * An app's certificates, read from their files and read again when the files change, so that certificates
 * are rotated by replacing the files (write aside, rename) with no restart: new connections use the new
 * ones, connections already open keep theirs. A replacement that does not load (a half-written file, a key
 * that does not match, a key others may read) is logged and ignored; the previous set stays in use.
 * It is a grpc-js CertificateProvider, so clients and servers alike follow the changes.
 */
export class CertificateFiles implements CertificateProvider {
  private current: CertificateSet;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly changeListeners = new Set<(set: CertificateSet) => void>();
  private reloadTimer: NodeJS.Timeout | undefined;
  private watching = false;

  /** Throws ConfigError, naming the file, when the set cannot be used. */
  constructor(
    readonly paths: CertificatePaths,
    private readonly options: { readonly pollMs: number; readonly logger?: Logger },
  ) {
    this.current = loadCertificateSet(paths);
  }

  get certificates(): CertificateSet {
    return this.current;
  }

  /** Called with the new set after each successful reload (e.g. to give a TLS server a new context). */
  onChange(listener: (set: CertificateSet) => void): () => void {
    this.changeListeners.add(listener);
    this.watch();
    return () => (this.changeListeners.delete(listener), this.unwatchIfUnused());
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    this.watch();
    listener({ caCertificate: this.current.ca });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
    this.unwatchIfUnused();
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    this.watch();
    listener({ certificate: this.current.cert, privateKey: this.current.key });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
    this.unwatchIfUnused();
  }

  /** Stops watching the files. */
  close(): void {
    this.caListeners.clear();
    this.identityListeners.clear();
    this.changeListeners.clear();
    this.unwatchIfUnused();
  }

  /** Reads the files again now (the poll does this by itself). */
  reload(): void {
    try {
      this.current = loadCertificateSet(this.paths);
    } catch (err) {
      this.options.logger?.warn(
        { cert: this.paths.cert, error: (err as Error).message },
        "certificate files changed but do not load; the previous certificates stay in use",
      );
      return;
    }
    this.options.logger?.info({ cert: this.paths.cert }, "certificates reloaded");
    for (const listener of this.caListeners) listener({ caCertificate: this.current.ca });
    for (const listener of this.identityListeners) listener({ certificate: this.current.cert, privateKey: this.current.key });
    for (const listener of this.changeListeners) listener(this.current);
  }

  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    for (const path of this.files()) watchFile(path, { interval: this.options.pollMs, persistent: false }, this.changed);
  }

  private unwatchIfUnused(): void {
    if (!this.watching || this.caListeners.size + this.identityListeners.size + this.changeListeners.size > 0) return;
    this.watching = false;
    clearTimeout(this.reloadTimer);
    for (const path of this.files()) unwatchFile(path, this.changed);
  }

  /** The three files are usually replaced one after another: reload once they have settled. */
  private readonly changed = (now: Stats, before: Stats): void => {
    if (now.mtimeMs === before.mtimeMs && now.ino === before.ino && now.size === before.size) return;
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => this.reload(), Math.min(this.options.pollMs, 250)).unref();
  };

  private files(): string[] {
    return [this.paths.ca, this.paths.cert, this.paths.key];
  }
}

/** Reads and checks a set: every file present, the key private to its owner, the pair matching. */
export function loadCertificateSet(paths: CertificatePaths): CertificateSet {
  const set = { ca: readPem(paths.ca, "CA certificate"), cert: readPem(paths.cert, "certificate"), key: readPem(paths.key, "private key") };
  const mode = statSync(paths.key).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`private key ${paths.key} may be read by other users (mode 0${mode.toString(8)}); chmod 600 ${paths.key}`);
  }
  try {
    createSecureContext({ ca: set.ca, cert: set.cert, key: set.key });
  } catch (err) {
    // OpenSSL's reason names what is wrong (no PEM, key mismatch); it never includes key material.
    throw new ConfigError(`certificate ${paths.cert} with key ${paths.key} cannot be used: ${(err as Error).message}`);
  }
  return set;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "it does not exist" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new ConfigError(
      `cannot read the ${what} ${path}: ${reason}; make the certificates with "npx slipway certs --out DIR" and set SLIPWAY_TLS_DIR=DIR`,
    );
  }
}
