/**
 * HTTP to one registry: undici pools with the registry's TLS settings, HTTPS_PROXY/HTTP_PROXY/NO_PROXY
 * honoured as Go's ProxyFromEnvironment does (never for localhost or loopback addresses), one request per
 * call (redirects and authorization are the caller's). A request that gets no answer fails with Go's
 * url.Error wording.
 */
import { STATUS_CODES } from "node:http";
import { Readable } from "node:stream";
import { createSecureContext } from "node:tls";
import { Agent, EnvHttpProxyAgent, type Dispatcher } from "undici";
import { RegistryError, RequestError } from "./errors.js";
import { isLoopback } from "./host.js";
import { goNetworkErrorText } from "./network-errors.js";
import { systemCertificates, type ClientCertificate } from "./tls-files.js";

export interface TransportOptions {
  readonly userAgent: string;
  /** Time to establish a connection, TLS included (Go's dialer: 30 s). */
  readonly connectTimeoutMs: number;
  /** Silence allowed while waiting for response headers or between two pieces of a body. */
  readonly idleTimeoutMs: number;
}

/** How to speak TLS to the registry (ignored for http:// URLs). */
export interface TlsSettings {
  /** False for an insecure registry: any certificate is accepted (Go's InsecureSkipVerify). */
  readonly verify: boolean;
  /** Extra CAs (PEM) trusted besides the system's. */
  readonly cas: readonly string[];
  readonly clientCertificate?: ClientCertificate;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | AsyncIterable<Uint8Array>;
  readonly signal?: AbortSignal;
  /** A deadline for the whole exchange up to the headers (Go's Client.Timeout), for pings and tokens. */
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  /** "Not Found". */
  readonly statusText: string;
  readonly url: string;
  readonly body: Readable;
  /** A header's value, repeated ones joined by ", "; undefined when absent. */
  header(name: string): string | undefined;
}

export class Transport {
  private readonly direct: Agent;
  private readonly viaProxy: EnvHttpProxyAgent;

  constructor(
    tls: TlsSettings,
    private readonly options: TransportOptions,
  ) {
    const secureContext = createSecureContext({
      ca: [systemCertificates(), ...tls.cas],
      ...(tls.clientCertificate !== undefined ? { cert: tls.clientCertificate.cert, key: tls.clientCertificate.key } : {}),
    });
    const connect = { timeout: options.connectTimeoutMs, secureContext, rejectUnauthorized: tls.verify };
    this.direct = new Agent({ connect });
    // Like Go: plain http:// requests go to an HTTP proxy as they are; https:// ones through a CONNECT tunnel.
    this.viaProxy = new EnvHttpProxyAgent({ connect, requestTls: connect, proxyTunnel: false });
  }

  /** Sends one request and returns the answer, whatever its status. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    const dispatcher: Dispatcher = isLoopback(url.host) ? this.direct : this.viaProxy;
    const signal = withDeadline(request.signal, request.timeoutMs);
    try {
      const answer = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method as Dispatcher.HttpMethod,
        headers: { "user-agent": this.options.userAgent, ...request.headers },
        body: request.body === undefined || request.body instanceof Uint8Array ? request.body : Readable.from(request.body),
        signal,
        headersTimeout: this.options.idleTimeoutMs,
        bodyTimeout: this.options.idleTimeoutMs,
      });
      const headers = answer.headers;
      return {
        status: answer.statusCode,
        statusText: STATUS_CODES[answer.statusCode] ?? "",
        url: request.url,
        body: answer.body,
        header: (name) => {
          const value = headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(", ") : value;
        },
      };
    } catch (err) {
      throw requestFailure(request, url, err, signal);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.direct.close(), this.viaProxy.close()]);
  }
}

function requestFailure(request: HttpRequest, url: URL, err: unknown, signal: AbortSignal | undefined): RegistryError {
  if (err instanceof RegistryError) return err;
  if (signal?.aborted) {
    const timedOut = (signal.reason as Error | undefined)?.name === "TimeoutError" && !request.signal?.aborted;
    const text = timedOut ? "context deadline exceeded (Client.Timeout exceeded while awaiting headers)" : "context canceled";
    return new RequestError(request.method, request.url, text, { retryable: timedOut, cause: err });
  }
  return new RequestError(request.method, request.url, goNetworkErrorText(err, url.host), { cause: err });
}

function withDeadline(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
  if (timeoutMs === undefined) return signal;
  const deadline = AbortSignal.timeout(timeoutMs);
  return signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
}

/** A response body as a Buffer, refused once it passes `limit` bytes. */
export async function readBody(response: HttpResponse, limit: number, tooLarge: () => RegistryError): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > limit) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (err) {
    response.body.destroy();
    throw bodyError(err);
  }
  return Buffer.concat(chunks);
}

/** A failure while reading a body, in Go's words (a bare io error, not a url.Error); retried unless cancelled. */
export function bodyError(err: unknown): RegistryError {
  if (err instanceof RegistryError) return err;
  const aborted = (err as { name?: string }).name === "AbortError";
  return new RegistryError(aborted ? "context canceled" : goNetworkErrorText(err, ""), { retryable: !aborted, cause: err });
}

/** Drops a body that is not needed, so the connection can be reused. */
export function discard(response: HttpResponse): void {
  response.body.resume();
  response.body.on("error", () => undefined);
}
