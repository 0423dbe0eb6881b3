import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { fromServiceError } from "./error-mapping.js";

const received = (code: status, details: string): ServiceError => Object.assign(new Error(details), { code, details, metadata: new Metadata() });

describe("errors a client receives", () => {
  it("name the service when the connection broke under the call, and count as an unknown outcome (UNAVAILABLE)", () => {
    for (const details of [
      "Received RST_STREAM with code 1",
      "Failed to start HTTP/2 stream with error: stream closed",
      "Stream refused by server",
    ]) {
      const err = fromServiceError(received(status.INTERNAL, details), "layer-store", "unix:/run/x.sock");
      expect([err.kind, err.message]).toEqual([
        "unavailable",
        "layer-store is unavailable at unix:/run/x.sock: the connection broke during the call",
      ]);
    }
  });

  it("keep a server's own INTERNAL message", () => {
    const err = fromServiceError(received(status.INTERNAL, "mkdir /d/x: no space left on device"), "layer-store", "unix:/run/x.sock");
    expect([err.kind, err.message]).toEqual(["internal", "mkdir /d/x: no space left on device"]);
  });
});
