import { lstatSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { CertificateFiles, certificatePathsIn, loadCertificateSet, type CertificatePaths } from "@slipway/grpc-kit";
import { writeCertificateSet } from "@slipway/pki";
import { keyOwners } from "./deployment.js";
import type { DockerEnv } from "./docker-cli.js";
import type { EngineApiClientTls } from "@slipway/throwaway-dockerd";

/** Tests re-read rotated certificates quickly; the apps' default (10 s) would make a rotation test slow. */
const TEST_POLL_MS = 500;

/**
 * A directory as `slipway certs` writes it (ca.crt, ca.key, <identity>.crt, <identity>.key for every app
 * and `cli`), and the ways a test uses one identity's files: grpc-kit certificates, PEM for HTTPS, and
 * the docker CLI's TLS settings.
 */
export class CertificateDir {
  constructor(readonly dir: string) {}

  /** Writes a fresh CA and set into `dir`, each key owned by the user its app runs as in the image. */
  static async create(dir: string): Promise<CertificateDir> {
    await writeCertificateSet(dir, { keyOwners: keyOwners() });
    return new CertificateDir(dir);
  }

  /** ca.crt: the CA every Slipway certificate is signed by. */
  get caPath(): string {
    return join(this.dir, "ca.crt");
  }

  /** ca.crt, <identity>.crt and <identity>.key. */
  paths(identity: string): CertificatePaths {
    return certificatePathsIn(this.dir, identity);
  }

  /**
   * One identity's certificates for grpc-kit (createClient's `certificates`, checkHealth's, listReflectedServices'):
   * whoever calls this closes it (close() stops watching the files).
   */
  certificates(identity: string): CertificateFiles {
    return new CertificateFiles(this.paths(identity), { pollMs: TEST_POLL_MS });
  }

  /** One identity's PEM, e.g. for an HTTPS request to engine-api's TCP listener. */
  pem(identity: string): EngineApiClientTls {
    return loadCertificateSet(this.paths(identity));
  }

  /** The docker CLI's global flags for a TLS daemon at `tcpUrl`, as `identity` (dockerd's --tlsverify). */
  dockerTlsFlags(tcpUrl: string, identity = "cli"): string[] {
    const { ca, cert, key } = this.paths(identity);
    return ["--tlsverify", "--tlscacert", ca, "--tlscert", cert, "--tlskey", key, "-H", tcpUrl];
  }

  /**
   * The same as environment: the docker CLI looks for ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH,
   * so that directory (docker-<identity>/ here) links them to this set's files.
   */
  dockerTlsEnv(tcpUrl: string, identity = "cli"): DockerEnv {
    const certPath = join(this.dir, `docker-${identity}`);
    mkdirSync(certPath, { recursive: true });
    const { ca, cert, key } = this.paths(identity);
    for (const [link, target] of [
      ["ca.pem", ca],
      ["cert.pem", cert],
      ["key.pem", key],
    ] as const) {
      if (!lstatSync(join(certPath, link), { throwIfNoEntry: false })) symlinkSync(target, join(certPath, link));
    }
    return { DOCKER_HOST: tcpUrl, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certPath };
  }
}
