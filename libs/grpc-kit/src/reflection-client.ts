import { createRequire } from "node:module";
import { credentials, loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

/** Asks a server's reflection service (v1) which services it serves, as grpcurl's `list` would. */
export async function listReflectedServices(address: string, timeoutMs = 5_000): Promise<string[]> {
  const file = createRequire(import.meta.url).resolve("@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto");
  const pkg = loadPackageDefinition(loadSync(file, { keepCase: true })) as any;
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
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
