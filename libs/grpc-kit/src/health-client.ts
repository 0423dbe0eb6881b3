import { credentials, loadPackageDefinition, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath } from "grpc-health-check";

type HealthClient = {
  check(req: { service: string }, opts: { deadline: Date }, cb: (err: ServiceError | null, res?: { status: string }) => void): void;
  close(): void;
};

let HealthCtor: (new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => HealthClient) | undefined;

/** Asks grpc.health.v1.Health/Check; resolves to "SERVING", "NOT_SERVING", ... or rejects when unreachable. */
export async function checkHealth(address: string, service = "", timeoutMs = 2_000): Promise<string> {
  HealthCtor ??= (loadPackageDefinition(loadSync(protoPath, { enums: String })) as any).grpc.health.v1.Health;
  const client = new HealthCtor!(address, credentials.createInsecure());
  try {
    return await new Promise<string>((resolve, reject) =>
      client.check({ service }, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) =>
        err ? reject(err) : resolve(res!.status),
      ),
    );
  } finally {
    client.close();
  }
}

/**
 * Polls checkHealth until the service answers SERVING; resolves false (never throws) once timeoutMs
 * passes, so a caller can start degraded instead of not at all.
 */
export async function waitUntilServing(address: string, timeoutMs: number, pollMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await checkHealth(address, "", Math.min(2_000, timeoutMs)).catch(() => "UNREACHABLE");
    if (status === "SERVING") return true;
    if (Date.now() + pollMs > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
