import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { decideAccess } from "./access-policy.js";

const IMAGE_STORE = "/slipway.imagestore.v1.ImageStoreService";

describe("the access policy for registry calls", () => {
  it("lets the CLI and engine-api pull, push and log in through image-store", () => {
    for (const caller of ["cli", "engine-api"]) {
      for (const method of ["PullImage", "PushImage", "Login", "GetRegistryConfig"]) {
        expect(decideAccess(`${IMAGE_STORE}/${method}`, caller, "image-store"), `${caller} ${method}`).toEqual({ allowed: true });
      }
    }
  });

  it("refuses them to the apps that have no business with registries", () => {
    for (const caller of ["orchestrator", "layer-store", "container-config"]) {
      expect(decideAccess(`${IMAGE_STORE}/PullImage`, caller, "image-store")).toMatchObject({ allowed: false, code: status.PERMISSION_DENIED });
    }
  });
});
