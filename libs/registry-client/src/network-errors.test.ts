import { describe, expect, it } from "vitest";
import { goNetworkErrorText } from "./network-errors.js";

const nodeError = (code: string, extra: object = {}) => Object.assign(new Error(`${code} something`), { code, ...extra });

describe("goNetworkErrorText", () => {
  it("words connection failures as Go's net package", () => {
    expect(goNetworkErrorText(nodeError("ECONNREFUSED", { address: "127.0.0.1", port: 1 }), "localhost:1")).toBe(
      "dial tcp 127.0.0.1:1: connect: connection refused",
    );
    expect(goNetworkErrorText(nodeError("ECONNREFUSED", { address: "::1", port: 5000 }), "[::1]:5000")).toBe(
      "dial tcp [::1]:5000: connect: connection refused",
    );
    expect(goNetworkErrorText(nodeError("ENOTFOUND", { hostname: "nowhere.test" }), "nowhere.test:5000")).toBe(
      "dial tcp: lookup nowhere.test: no such host",
    );
    expect(goNetworkErrorText(nodeError("UND_ERR_CONNECT_TIMEOUT"), "10.0.0.1:443")).toBe("dial tcp 10.0.0.1:443: i/o timeout");
    expect(goNetworkErrorText(nodeError("ECONNRESET"), "h")).toBe("read: connection reset by peer");
    expect(goNetworkErrorText(nodeError("UND_ERR_SOCKET"), "h")).toBe("unexpected EOF");
  });

  it("words TLS failures as crypto/tls and crypto/x509", () => {
    expect(goNetworkErrorText(nodeError("ERR_SSL_WRONG_VERSION_NUMBER"), "h:1")).toBe("http: server gave HTTP response to HTTPS client");
    expect(goNetworkErrorText(nodeError("ERR_SSL_PACKET_LENGTH_TOO_LONG"), "h:1")).toBe("http: server gave HTTP response to HTTPS client");
    expect(goNetworkErrorText(nodeError("SELF_SIGNED_CERT_IN_CHAIN"), "h:1")).toBe("x509: certificate signed by unknown authority");
    expect(goNetworkErrorText(nodeError("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), "h:1")).toBe("x509: certificate signed by unknown authority");
    expect(goNetworkErrorText(nodeError("CERT_HAS_EXPIRED"), "h:1")).toBe("x509: certificate has expired or is not yet valid");
    const altname = nodeError("ERR_TLS_CERT_ALTNAME_INVALID", { cert: { subjectaltname: "URI:spiffe://x, DNS:registry, IP Address:10.0.0.2" } });
    expect(goNetworkErrorText(altname, "other:443")).toBe("x509: certificate is valid for registry, 10.0.0.2, not other");
    expect(goNetworkErrorText(nodeError("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"), "h:1")).toBe("remote error: tls: certificate required");
    expect(goNetworkErrorText(nodeError("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE"), "h:1")).toBe("remote error: tls: bad certificate");
  });

  it("never shows a Node error code", () => {
    expect(goNetworkErrorText(nodeError("EWEIRD"), "h:1")).toBe("something");
    expect(goNetworkErrorText("text", "h:1")).toBe("text");
  });
});
