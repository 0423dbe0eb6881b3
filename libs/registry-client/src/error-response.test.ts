import { describe, expect, it } from "vitest";
import { parseReference } from "@slipway/docker-spec";
import { responseError } from "./error-response.js";
import { RegistryError, RegistryResponseError, pullError } from "./errors.js";

const answer = (status: number, body: string, wwwAuthenticate?: string) =>
  responseError({
    status,
    statusText: { 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway" }[status] ?? "",
    body,
    ...(wwwAuthenticate ? { wwwAuthenticate } : {}),
  });

describe("responseError", () => {
  it("prints an errcode entry with a detail as code and message", () => {
    const err = answer(404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"2"}}]}');
    expect(err.message).toBe("manifest unknown: manifest unknown");
    expect(err.errors).toEqual([{ code: "MANIFEST_UNKNOWN", message: "manifest unknown", detail: { Tag: "2" }, bare: false }]);
    expect(err.retryable).toBe(true); // dockerd retries every registry error it does not know to be final
  });

  it("keeps only the code of an entry with its code's own message and no detail, as Go's decoder does", () => {
    const err = answer(404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    expect(err.message).toBe("manifest unknown");
    expect(err.first!.bare).toBe(true);
  });

  it("names an unknown code UNKNOWN and reads field names in any case", () => {
    expect(answer(400, '{"Errors":[{"Code":"SOMETHING_NEW","Message":"odd","Detail":1}]}').message).toBe("unknown: odd");
  });

  it("prints several entries as errcode.Errors does", () => {
    const body = '{"errors":[{"code":"DENIED","message":"no","detail":null},{"code":"UNAUTHORIZED","message":"who","detail":"x"}]}';
    expect(answer(403, body).message).toBe("errors:\ndenied: no\nunauthorized: who\n");
  });

  it("turns a Bearer challenge's OAuth error into the first entry", () => {
    const body =
      '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":"repository","Name":"x","Action":"pull"}]}]}';
    const denied = answer(401, body, 'Bearer realm="http://t/token",service="s",scope="repository:x:pull",error="insufficient_scope"');
    expect(denied.first).toEqual({ code: "DENIED", message: "requested access to the resource is denied", bare: false });
    expect(denied.errors).toHaveLength(2);
    expect(denied.retryable).toBe(false);
    const invalid = answer(401, body, 'Bearer realm="r",error="invalid_token",error_description="expired"');
    expect(invalid.first).toEqual({ code: "UNAUTHORIZED", message: "expired", bare: false });
  });

  it("reads the older {details} form by status", () => {
    expect(answer(401, '{"details":"incorrect username or password"}\n').message).toBe("unauthorized: incorrect username or password");
    expect(answer(429, '{"details":"slow down"}').message).toBe("toomanyrequests: slow down");
    expect(answer(403, '{"details":"nope"}').message).toBe("unknown: nope");
  });

  it("words unreadable bodies as distribution's client does", () => {
    const html = answer(404, "404 page not found\n");
    expect(html.message).toBe("error parsing HTTP 404 response body: invalid character 'p' after top-level value: \"404 page not found\\n\"");
    expect(html.errors).toEqual([]);
    expect(html.retryable).toBe(false);
    expect(answer(404, "<html>").message).toBe(
      "error parsing HTTP 404 response body: invalid character '<' looking for beginning of value: \"<html>\"",
    );
    expect(answer(400, "").message).toBe('error parsing HTTP 400 response body: unexpected end of JSON input: ""');
    expect(answer(400, '{"errors":[]}').message).toBe(
      'error parsing HTTP 400 response body: no error details found in HTTP response body: "{\\"errors\\":[]}"',
    );
    expect(answer(400, '"text"').message).toContain("json: cannot unmarshal string into Go value of type struct { Errors []errcode.Error }");
  });

  it("makes an unreadable 401 an unauthorized error carrying the body", () => {
    const err = answer(401, "nope");
    expect(err.message).toBe("unauthorized: authentication required");
    expect(err.first!.detail).toBe("nope");
  });

  it("reports any status outside 4xx by its status line, and retries it", () => {
    const err = answer(500, '{"errors":[{"code":"UNKNOWN","message":"boom"}]}');
    expect(err.message).toBe("received unexpected HTTP status: 500 Internal Server Error");
    expect(err.retryable).toBe(true);
    expect(answer(502, "").message).toBe("received unexpected HTTP status: 502 Bad Gateway");
  });

  it("marks the codes dockerd never retries", () => {
    for (const code of ["UNAUTHORIZED", "UNSUPPORTED", "DENIED", "TOOMANYREQUESTS", "NAME_UNKNOWN"]) {
      expect(answer(400, JSON.stringify({ errors: [{ code, message: "m", detail: 1 }] })).retryable, code).toBe(false);
    }
    expect(answer(400, '{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"m","detail":1}]}').retryable).toBe(true);
  });
});

describe("pullError", () => {
  const tagged = parseReference("127.0.0.1:5000/team/app:1");
  const hub = parseReference("docker.io/library/alpine:edge");

  it("words denied, unknown manifest and unknown repository as dockerd's pull does", () => {
    const denied = pullError(answer(401, "{}", 'Bearer realm="r",error="insufficient_scope"'), hub);
    expect(denied.message).toBe(
      "pull access denied for alpine, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    );
    expect(denied.category).toBe("not-found");
    const manifest = pullError(answer(404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"1"}}]}'), tagged);
    expect(manifest.message).toBe("manifest for 127.0.0.1:5000/team/app:1 not found: manifest unknown: manifest unknown");
    const name = pullError(
      answer(404, '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]}'),
      tagged,
    );
    expect(name.message).toBe("repository 127.0.0.1:5000/team/app not found: name unknown: repository name not known to registry");
  });

  it("leaves other errors as they are, reporting only the first of several entries", () => {
    const unauthorized = answer(401, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}');
    expect(pullError(unauthorized, tagged).message).toBe("unauthorized");
    const several = answer(403, '{"errors":[{"code":"DENIED","message":"no","detail":1},{"code":"UNKNOWN","message":"x","detail":1}]}');
    expect(pullError(several, tagged).message).toContain("pull access denied for 127.0.0.1:5000/team/app");
    const bare = answer(404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"},{"code":"UNKNOWN","message":"x","detail":1}]}');
    expect(pullError(bare, tagged)).toBeInstanceOf(RegistryError);
    expect(pullError(bare, tagged)).not.toBeInstanceOf(RegistryResponseError);
    expect(pullError(bare, tagged).message).toBe("manifest unknown");
    expect(pullError(new Error("plain"), tagged).message).toBe("plain");
  });
});
