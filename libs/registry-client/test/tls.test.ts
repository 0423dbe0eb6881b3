// TLS against a real registry: certs.d CAs and client certificates for a verified registry (on ::1, since
// dockerd never verifies 127.0.0.0/8), and unverified HTTPS for an insecure one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNormalizedNamed } from "@slipway/docker-spec";
import { createCertificateAuthority, type CertificateAuthority } from "@slipway/pki";
import { RegistryClient } from "../src/index.js";
import { startRegistry, type TestRegistry } from "../src/testing/index.js";
import { pullImage, pushImage, testImage } from "./images.js";

let dir: string;
let ca: CertificateAuthority;
let files: { ca: string; certificate: string; key: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "registry-tls-"));
  ca = await createCertificateAuthority({ commonName: "registry test CA" });
  const server = await ca.issue("registry");
  files = { ca: join(dir, "ca.pem"), certificate: join(dir, "server.pem"), key: join(dir, "server-key.pem") };
  writeFileSync(files.ca, ca.certPem);
  writeFileSync(files.certificate, server.certPem);
  writeFileSync(files.key, server.keyPem);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A certs.d directory with `<host>/` holding the given files. */
function certsDir(host: string, content: Record<string, string>): string {
  const root = mkdtempSync(join(dir, "certs.d-"));
  mkdirSync(join(root, host));
  for (const [name, text] of Object.entries(content)) writeFileSync(join(root, host, name), text);
  return root;
}

describe("a registry with TLS and client certificates", () => {
  let registry: TestRegistry;
  let certs: Record<string, string>;

  beforeAll(async () => {
    registry = await startRegistry({ address: "::1", tls: { certificate: files.certificate, key: files.key, clientCas: [files.ca] } });
    const client = await ca.issue("client");
    certs = { "ca.crt": ca.certPem, "client.cert": client.certPem, "client.key": client.keyPem };
  });

  afterAll(() => registry?.stop());

  it("pushes and pulls with the CA and the client certificate from certs.d", async () => {
    const client = new RegistryClient({ certsDir: certsDir(registry.host, certs) });
    const image = testImage();
    await client.withRepository(parseNormalizedNamed(`${registry.host}/secure/app:1`), { push: true }, (repository) =>
      pushImage(repository, image, "1"),
    );
    const pulled = await pullImage(client, `${registry.host}/secure/app:1`);
    expect(pulled.config.equals(image.config)).toBe(true);
  });

  it("refuses a certificate no trusted CA signed", async () => {
    const client = new RegistryClient({ certsDir: join(dir, "no-such-certs.d") });
    await expect(pullImage(client, `${registry.host}/secure/app:1`)).rejects.toThrow(
      `Get "https://${registry.host}/v2/": x509: certificate signed by unknown authority`,
    );
  });

  it("fails the handshake without a client certificate", async () => {
    const client = new RegistryClient({ certsDir: certsDir(registry.host, { "ca.crt": ca.certPem }) });
    // Go reads the server's TLS 1.3 alert ("remote error: tls: bad certificate"); Node may only see the close.
    const failure = new RegExp(`^Get "https://\\[::1\\]:\\d+/v2/": (remote error: tls: bad certificate|unexpected EOF)$`);
    await expect(pullImage(client, `${registry.host}/secure/app:1`)).rejects.toThrow(failure);
  });

  it("refuses a certs.d directory with a certificate but no key, in dockerd's words", async () => {
    const client = new RegistryClient({ certsDir: certsDir(registry.host, { "ca.crt": ca.certPem, "client.cert": certs["client.cert"]! }) });
    await expect(pullImage(client, `${registry.host}/secure/app:1`)).rejects.toThrow(
      "missing key client.key for client certificate client.cert. Note that CA certificates should use the extension .crt",
    );
  });
});

describe("an insecure registry with TLS", () => {
  it("is spoken to over HTTPS without checking its certificate", async () => {
    const registry = await startRegistry({ tls: { certificate: files.certificate, key: files.key } });
    try {
      const client = new RegistryClient({ certsDir: join(dir, "no-such-certs.d") });
      const endpoint = await client.withRepository(parseNormalizedNamed(`${registry.host}/app:1`), { push: true }, async (repository) => {
        await pushImage(repository, testImage(), "1");
        return repository.endpoint;
      });
      expect(endpoint).toEqual({ url: `https://${registry.host}`, mirror: false, tlsVerify: false });
      await pullImage(client, `${registry.host}/app:1`);
    } finally {
      await registry.stop();
    }
  });
});
