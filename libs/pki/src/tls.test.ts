import { once } from "node:events";
import type { AddressInfo } from "node:net";
import * as tls from "node:tls";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority, type CertificateAuthority, type IssuedCertificate } from "./index.js";

const DAY = 86_400_000;
let ca: CertificateAuthority;
let server: IssuedCertificate;
const servers: tls.Server[] = [];

beforeAll(async () => {
  ca = await createCertificateAuthority();
  server = await ca.issue("orchestrator");
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

interface Handshake {
  /** What the server saw: the client's identity when it got through, else the refusal. */
  server: { served: boolean; authorized: boolean; authorizationError?: string; peerUri?: string; clientError?: string };
  /** What the client got: the server's answer, or the error it ended with. */
  client: { reply?: string; error?: string; authorized?: boolean };
}

/** A mutual-TLS 1.3 server on 127.0.0.1 that answers "hello <spiffe id>" and one client connection to it. */
async function handshake(client: Partial<IssuedCertificate>, options: { rejectUnauthorized?: boolean; clientCa?: string } = {}): Promise<Handshake> {
  const seen: Handshake["server"] = { served: false, authorized: false };
  const tlsServer = tls.createServer(
    {
      cert: server.certPem,
      key: server.keyPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      minVersion: "TLSv1.3",
    },
    (socket) => {
      seen.served = true;
      seen.authorized = socket.authorized;
      seen.authorizationError = socket.authorizationError?.toString();
      const uri = /URI:([^,]+)/.exec(socket.getPeerCertificate().subjectaltname ?? "")?.[1];
      seen.peerUri = uri;
      socket.end(socket.authorized ? `hello ${uri}` : "refused");
    },
  );
  servers.push(tlsServer);
  const clientError = new Promise<void>((resolve) =>
    tlsServer.on("tlsClientError", (err: NodeJS.ErrnoException) => {
      seen.clientError = err.code ?? err.message;
      resolve();
    }),
  );
  tlsServer.listen(0, "127.0.0.1");
  await once(tlsServer, "listening");
  const { port } = tlsServer.address() as AddressInfo;

  const result: Handshake["client"] = {};
  const socket = tls.connect({
    host: "127.0.0.1",
    port,
    ca: options.clientCa ?? ca.certPem,
    cert: client.certPem,
    key: client.keyPem,
    minVersion: "TLSv1.3",
  });
  let reply = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (reply += chunk));
  socket.on("secureConnect", () => (result.authorized = socket.authorized));
  await new Promise<void>((resolve) => {
    socket.on("error", (err: NodeJS.ErrnoException) => {
      result.error = err.code ?? err.message;
      resolve();
    });
    socket.on("close", () => resolve());
  });
  if (reply) result.reply = reply;
  if (!result.reply && !seen.clientError && !result.error) await clientError;
  return { server: seen, client: result };
}

describe("mutual TLS 1.3 with node:tls", () => {
  it("succeeds with a client certificate from the same CA; each side names the other", async () => {
    const cli = await ca.issue("cli");
    const { server: seen, client } = await handshake(cli);
    expect(client).toEqual({ authorized: true, reply: "hello spiffe://slipway/cli" });
    expect(seen).toMatchObject({ authorized: true, peerUri: "spiffe://slipway/cli" });
  });

  it("refuses a client certificate from another CA", async () => {
    const foreign = await (await createCertificateAuthority()).issue("cli");
    const { server: seen, client } = await handshake(foreign);
    expect(client.reply).toBeUndefined();
    expect(seen).toMatchObject({ served: false, authorized: false });
    expect(seen.clientError).toBeDefined();

    const inspected = await handshake(foreign, { rejectUnauthorized: false });
    expect(inspected.server).toMatchObject({ served: true, authorized: false, authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    expect(inspected.client.reply).toBe("refused");
  });

  it("refuses a client without a certificate", async () => {
    const { server: seen, client } = await handshake({});
    expect(client.reply).toBeUndefined();
    expect(seen).toMatchObject({ served: false, clientError: "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE" });
    expect(client.error).toBe("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
  });

  it("refuses an expired client certificate: CERT_HAS_EXPIRED", async () => {
    const expired = await ca.issue("cli", { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
    const refused = await handshake(expired);
    expect(refused.client.reply).toBeUndefined();
    expect(refused.server).toMatchObject({ served: false, authorized: false });
    expect(refused.server.clientError).toBeDefined();

    const inspected = await handshake(expired, { rejectUnauthorized: false });
    expect(inspected.server).toMatchObject({
      served: true,
      authorized: false,
      authorizationError: "CERT_HAS_EXPIRED",
      peerUri: "spiffe://slipway/cli",
    });
    expect(inspected.client.reply).toBe("refused");
  });

  it("a client refuses a server whose certificate is from another CA", async () => {
    const cli = await ca.issue("cli");
    const other = await createCertificateAuthority();
    const { client } = await handshake(cli, { clientCa: other.certPem });
    expect(client.reply).toBeUndefined();
    // A node server with `ca` sends that CA after its leaf, so the client meets an untrusted self-signed CA.
    expect(client.error).toBe("SELF_SIGNED_CERT_IN_CHAIN");
  });
});
