/**
 * The registry client: dockerd's registry configuration (mirrors, insecure registries, certs.d), and
 * sessions with repositories on the endpoints dockerd would use, tried in dockerd's order with its
 * fallbacks, failing with its messages.
 */
import { familiarString, type Reference } from "@slipway/docker-spec";
import type { AuthConfig } from "./auth.js";
import { RegistryError, pullError } from "./errors.js";
import { RegistryHosts, type Endpoint, type RegistryHostsOptions } from "./endpoints.js";
import { shouldTryNextEndpoint } from "./fallback.js";
import { Repository } from "./repository.js";
import { serviceConfig, type ServiceConfig } from "./service-config.js";
import { Session, sessionScopes } from "./session.js";
import { DEFAULT_CERTS_DIR, readCertsDirectory } from "./tls-files.js";
import { Transport } from "./transport.js";

export interface RegistryClientOptions extends RegistryHostsOptions {
  /** Where `<host:port>/` directories of CAs and client certificates are (default /etc/docker/certs.d). */
  readonly certsDir?: string;
  readonly userAgent?: string;
  /** Time to connect, TLS included (default 30 s, Go's dialer). */
  readonly connectTimeoutMs?: number;
  /** Silence allowed before headers or between body pieces before a transfer counts as broken (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** One second of dockerd's "Retrying in N seconds" countdown (default 1000; tests shorten it). */
  readonly retrySecondMs?: number;
  /** The first pause between attempts at an image config (default 250 ms, doubling). */
  readonly configBackoffMs?: number;
}

export interface RepositoryOptions {
  readonly auth?: AuthConfig;
  /** Ask for push access as well as pull (and never use a mirror). */
  readonly push?: boolean;
  readonly signal?: AbortSignal;
}

export class RegistryClient {
  readonly hosts: RegistryHosts;
  private readonly certsDir: string;

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.hosts = new RegistryHosts(options);
    this.certsDir = options.certsDir ?? DEFAULT_CERTS_DIR;
  }

  /** The settings as GET /info's RegistryConfig shows them. */
  serviceConfig(): ServiceConfig {
    return serviceConfig(this.options);
  }

  /** The endpoints dockerd would try for a registry domain, best first. */
  endpoints(domain: string, push = false): Promise<Endpoint[]> {
    return this.hosts.endpoints(domain, push ? "push" : "pull");
  }

  /** An HTTP transport with the TLS settings dockerd uses for this endpoint (certs.d read now, as dockerd reads it per pull). */
  async transportFor(endpoint: Endpoint): Promise<Transport> {
    const certs =
      endpoint.certsHost !== undefined ? await readCertsDirectory(this.certsDir, endpoint.certsHost) : { cas: [], clientCertificates: [] };
    const clientCertificate = certs.clientCertificates[0];
    return new Transport(
      { verify: endpoint.tlsVerify, cas: certs.cas, ...(clientCertificate !== undefined ? { clientCertificate } : {}) },
      {
        userAgent: this.options.userAgent ?? "slipway",
        connectTimeoutMs: this.options.connectTimeoutMs ?? 30_000,
        idleTimeoutMs: this.options.idleTimeoutMs ?? 60_000,
      },
    );
  }

  /** Pings the endpoint and opens the repository on it; the caller closes it. */
  async openRepository(endpoint: Endpoint, ref: Reference, options: RepositoryOptions = {}): Promise<Repository> {
    const transport = await this.transportFor(endpoint);
    try {
      const session = await Session.open(
        transport,
        { origin: endpoint.url, credentials: options.auth ?? {}, scopes: sessionScopes(ref.path, options.push ?? false) },
        options.signal,
      );
      return new Repository(endpoint, ref, session, transport, {
        secondMs: this.options.retrySecondMs ?? 1000,
        configBackoffMs: this.options.configBackoffMs ?? 250,
      });
    } catch (err) {
      await transport.close();
      throw err;
    }
  }

  /**
   * Runs `work` against the repository on each endpoint in turn until one succeeds, as dockerd runs a
   * whole pull or push per endpoint: an endpoint that cannot be reached gives way to the next, one that
   * answered only on the errors dockerd falls back on (and plain HTTP is not tried once HTTPS answered).
   * A pull's final error is worded as dockerd words it ("pull access denied for …", "manifest for … not found").
   * An error of the work's own (anything but a RegistryError: the caller's storage failing, say) ends it at
   * once and comes out unchanged: another endpoint would not mend it.
   */
  async withRepository<T>(ref: Reference, options: RepositoryOptions, work: (repository: Repository) => Promise<T>): Promise<T> {
    const finalError = (err: unknown) => (options.push ? err : pullError(err, ref));
    const answeredOverTls = new Set<string>();
    let lastError: unknown = new RegistryError(`no endpoints found for ${familiarString(ref)}`);
    for (const endpoint of await this.endpoints(ref.domain, options.push)) {
      const url = new URL(endpoint.url);
      if (url.protocol === "http:" && answeredOverTls.has(url.host)) continue;
      let repository: Repository;
      try {
        repository = await this.openRepository(endpoint, ref, options);
      } catch (err) {
        lastError = err;
        continue;
      }
      try {
        return await work(repository);
      } catch (err) {
        if (!(err instanceof RegistryError)) throw err;
        if (options.signal?.aborted || !shouldTryNextEndpoint(err, endpoint.mirror)) throw finalError(err);
        if (url.protocol === "https:") answeredOverTls.add(url.host);
        lastError = err;
      } finally {
        await repository.close();
      }
    }
    throw finalError(lastError);
  }
}
