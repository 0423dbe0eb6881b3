import { loadPackageDefinition, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath } from "grpc-health-check";
import type { CertificateFiles } from "./security/certificate-files.js";
import { channelCredentialsFor, tlsChannelOptions } from "./security/transport-credentials.js";

type HealthClient = {
  check(req: { service: string }, opts: { deadline: Date }, cb: (err: ServiceError | null, res?: { status: string }) => void): void;
  close(): void;
};

let HealthCtor: (new (address: string, creds: ChannelCredentials, options: object) => HealthClient) | undefined;

/** How a health check reaches a TCP address: with the caller's certificates, expecting the named app. */
export interface HealthCheckTls {
  readonly certificates?: CertificateFiles;
  readonly app?: string;
}

/** Asks grpc.health.v1.Health/Check; resolves to "SERVING", "NOT_SERVING", ... or rejects when unreachable. */
export async function checkHealth(address: string, service = "", timeoutMs = 2_000, tls: HealthCheckTls = {}): Promise<string> {
  HealthCtor ??= (loadPackageDefinition(loadSync(protoPath, { enums: String })) as any).grpc.health.v1.Health;
  const client = new HealthCtor!(address, channelCredentialsFor(address, tls.app, tls.certificates), tlsChannelOptions(address, tls.app));
  try {
    return await new Promise<string>((resolve, reject) =>
      client.check({ service }, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => (err ? reject(err) : resolve(res!.status))),
    );
  } finally {
    client.close();
  }
}

/**
 * Polls checkHealth until the service answers SERVING; resolves false (never throws) once timeoutMs
 * passes, so a caller can start degraded instead of not at all.
 */
export async function waitUntilServing(address: string, timeoutMs: number, pollMs = 100, tls: HealthCheckTls = {}): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await checkHealth(address, "", Math.min(2_000, timeoutMs), tls).catch(() => "UNREACHABLE");
    if (status === "SERVING") return true;
    if (Date.now() + pollMs > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
