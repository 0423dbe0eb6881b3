/** The shape of one method in a ts-proto generated service definition. */
export interface MethodDefinition<Req = any, Res = any> {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly requestDeserialize: (bytes: Buffer) => Req;
  readonly responseSerialize: (value: Res) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Res;
}

/** A ts-proto generated service definition, e.g. `layerstore.LayerStoreServiceService`. */
export type ServiceDefinition = { readonly [method: string]: MethodDefinition };

export type RequestOf<M> = M extends { requestDeserialize: (bytes: Buffer) => infer R } ? R : never;
export type ResponseOf<M> = M extends { responseDeserialize: (bytes: Buffer) => infer R } ? R : never;

/** The fully qualified service name, "slipway.layerstore.v1.LayerStoreService". */
export function serviceNameOf(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (!first) throw new Error("service definition has no methods");
  return first.path.split("/")[1]!;
}
