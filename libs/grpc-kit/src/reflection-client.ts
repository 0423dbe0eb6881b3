import { createRequire } from "node:module";
import { loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import type { CertificateFiles } from "./security/certificate-files.js";
import { channelCredentialsFor, tlsChannelOptions } from "./security/transport-credentials.js";

/** Asks a server's reflection service (v1) which services it serves, as grpcurl's `list` would. */
export async function listReflectedServices(address: string, timeoutMs = 5_000, certificates?: CertificateFiles): Promise<string[]> {
  const file = createRequire(import.meta.url).resolve("@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto");
  const pkg = loadPackageDefinition(loadSync(file, { keepCase: true })) as any;
  const client = new pkg.grpc.reflection.v1.ServerReflection(
    address,
    channelCredentialsFor(address, undefined, certificates),
    tlsChannelOptions(address, undefined),
  );
  const call = client.ServerReflectionInfo({ deadline: new Date(Date.now() + timeoutMs) });
  try {
    const answer = new Promise<any>((resolve, reject) => call.once("data", resolve).once("error", reject));
    call.write({ list_services: "" });
    return (await answer).list_services_response.service.map((s: { name: string }) => s.name);
  } finally {
    call.end();
    client.close();
  }
}
