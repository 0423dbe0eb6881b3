import { describe, expect, it } from "vitest";
import { RegistryError, RequestError, transferError } from "./errors.js";

describe("transferError", () => {
  it("reports a request that got no answer by its cause, as dockerd's retryOnError unwraps Go's url.Error", () => {
    const cause = new RegistryError("no basic auth credentials", { category: "unauthorized" });
    const request = new RequestError("POST", "http://127.0.0.1:5000/v2/x/blobs/uploads/", cause.message, { retryable: false, cause });
    expect(request.message).toBe('Post "http://127.0.0.1:5000/v2/x/blobs/uploads/": no basic auth credentials');
    const reported = transferError(request) as RegistryError;
    expect(reported).toBeInstanceOf(RegistryError);
    expect(reported).toMatchObject({ message: "no basic auth credentials", category: "unauthorized", retryable: false });
    const refused = transferError(new RequestError("PATCH", "http://h/v2/x/blobs/uploads/1", "dial tcp 127.0.0.1:5000: connect: connection refused"));
    expect(refused).toMatchObject({ message: "dial tcp 127.0.0.1:5000: connect: connection refused", category: "unknown", retryable: true });
  });

  it("leaves every other error as it is", () => {
    const answered = new RegistryError("blob upload unknown");
    expect(transferError(answered)).toBe(answered);
    const other = new Error("disk gone");
    expect(transferError(other)).toBe(other);
  });
});
