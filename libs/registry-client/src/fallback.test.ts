import { describe, expect, it } from "vitest";
import { ConfigPullError } from "./blobs.js";
import { responseError } from "./error-response.js";
import { RegistryError, RequestError } from "./errors.js";
import { shouldTryNextEndpoint } from "./fallback.js";
import { UnsupportedMediaTypeError } from "./manifest.js";

const errcode = (code: string, detail: unknown = 1) =>
  responseError({ status: 400, statusText: "", body: JSON.stringify({ errors: [{ code, message: "m", detail }] }) });

describe("shouldTryNextEndpoint", () => {
  it("moves on from the registry only on unauthorized, unknown manifest or unknown repository", () => {
    for (const code of ["UNAUTHORIZED", "MANIFEST_UNKNOWN", "NAME_UNKNOWN"]) expect(shouldTryNextEndpoint(errcode(code), false), code).toBe(true);
    for (const code of ["DENIED", "TOOMANYREQUESTS", "BLOB_UNKNOWN"]) expect(shouldTryNextEndpoint(errcode(code), false), code).toBe(false);
  });

  it("moves on from a mirror on any registry error", () => {
    expect(shouldTryNextEndpoint(errcode("DENIED"), true)).toBe(true);
    expect(shouldTryNextEndpoint(new ConfigPullError(new RegistryError("unknown blob")), true)).toBe(true);
    expect(shouldTryNextEndpoint(new ConfigPullError(new RegistryError("unknown blob")), false)).toBe(false);
  });

  it("moves on after transport failures and unreadable answers, never after an unsupported media type", () => {
    expect(shouldTryNextEndpoint(new RequestError("GET", "https://h/v2/", "x509: certificate signed by unknown authority"), false)).toBe(true);
    expect(shouldTryNextEndpoint(responseError({ status: 404, statusText: "Not Found", body: "<html>" }), false)).toBe(true);
    expect(shouldTryNextEndpoint(errcode("DENIED", undefined), false)).toBe(false);
    expect(
      shouldTryNextEndpoint(
        responseError({ status: 404, statusText: "", body: '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}' }),
        false,
      ),
    ).toBe(true);
    expect(shouldTryNextEndpoint(new UnsupportedMediaTypeError("application/x"), true)).toBe(false);
  });
});
