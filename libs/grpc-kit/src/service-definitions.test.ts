import { describe, expect, it } from "vitest";
import type { MethodDefinition } from "./definitions.js";
import { containerConfigDefinition, imageStoreDefinition, layerStoreDefinition, orchestratorDefinition } from "./service-definitions.js";

const BYTE_STREAMS: [string, MethodDefinition, "request" | "response"][] = [
  ["RegisterLayer requests", layerStoreDefinition.registerLayer, "request"],
  ["ExportLayer responses", layerStoreDefinition.exportLayer, "response"],
  ["LoadImages requests", imageStoreDefinition.loadImages, "request"],
  ["SaveImages responses", imageStoreDefinition.saveImages, "response"],
  ["container-config's ListContainersJson responses", containerConfigDefinition.listContainersJson, "response"],
  ["the orchestrator's ListContainersJson responses", orchestratorDefinition.listContainersJson, "response"],
];

describe("Slipway's service definitions", () => {
  it.each(BYTE_STREAMS)("decode the chunks of %s as views of the received bytes", (_name, method, side) => {
    const [serialize, deserialize] =
      side === "request" ? [method.requestSerialize, method.requestDeserialize] : [method.responseSerialize, method.responseDeserialize];
    const bytes = serialize({ chunk: Buffer.from("tar bytes") });
    const { chunk } = deserialize(bytes) as { chunk: Buffer };
    expect(chunk.toString()).toBe("tar bytes");
    expect(chunk.buffer).toBe(bytes.buffer);
  });
});
