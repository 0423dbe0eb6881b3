import { describe, expect, it } from "vitest";
import { protocolProblem } from "./setup.js";

describe("the OTLP protocol setting", () => {
  it("takes the http/ protocols (a collector's OTLP/HTTP receiver reads the JSON Slipway sends) and unset", () => {
    expect(protocolProblem({})).toBeUndefined();
    expect(protocolProblem({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" })).toBeUndefined();
    expect(protocolProblem({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toBeUndefined();
  });

  it("names grpc, which Slipway does not send, with what to do instead", () => {
    expect(protocolProblem({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toBe(
      "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: traces go by OTLP over HTTP (JSON) to <endpoint>/v1/traces; point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's OTLP/HTTP receiver (port 4318 by default) and unset OTEL_EXPORTER_OTLP_PROTOCOL",
    );
    expect(protocolProblem({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc" })).toMatch(/^OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc is not supported/);
  });
});
