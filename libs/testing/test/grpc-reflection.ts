import { createRequire } from "node:module";
import { credentials, loadPackageDefinition, type ClientDuplexStream, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

type ReflectionAnswer = { list_services_response: { service: { name: string }[] } };
type ReflectionClient = { ServerReflectionInfo(): ClientDuplexStream<object, ReflectionAnswer>; close(): void };

/** The service names a server lists through gRPC server reflection (v1). */
export async function listServices(address: string): Promise<string[]> {
  const protoFile = createRequire(import.meta.url).resolve("@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto");
  const pkg = loadPackageDefinition(loadSync(protoFile, { keepCase: true })) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure()) as unknown as ReflectionClient;
  try {
    const call = client.ServerReflectionInfo();
    const answer = new Promise<ReflectionAnswer>((resolve, reject) => call.once("data", resolve).once("error", reject));
    call.write({ list_services: "" });
    const names = (await answer).list_services_response.service.map((s) => s.name);
    call.end();
    return names;
  } finally {
    client.close();
  }
}
