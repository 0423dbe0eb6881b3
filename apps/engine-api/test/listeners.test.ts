import { X509Certificate } from "node:crypto";
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as netConnect, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { socketGroupFrom } from "@slipway/grpc-kit";
import { createCertificateAuthority } from "@slipway/pki";
import { freeTcpPort } from "@slipway/throwaway-dockerd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKER_CLI, runDockerCli } from "./support/docker-cli.js";
import { makeTestPki, pingStatus, rssKiB, spawnEngineApi, untilServing, type TestPki } from "./support/engine-process.js";
import { startStubBackends, type StubBackends } from "./support/stub-backends.js";

/**
 * engine-api's listeners as a person starts them: the built main in its own process, real sockets, real TLS.
 * The stores are stubs on a unix socket (their answers do not matter here).
 */
let stubs: StubBackends;
let root: string;
let runRoot: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stubs = await startStubBackends();
  root = mkdtempSync(join(tmpdir(), "engine-api-listeners-"));
  runRoot = join(root, "run");
  env = {
    SLIPWAY_RUN_ROOT: runRoot,
    SLIPWAY_DATA_ROOT: join(root, "data"),
    SLIPWAY_ORCHESTRATOR_ADDR: stubs.address,
    SLIPWAY_IMAGE_STORE_ADDR: stubs.address,
  };
});
afterAll(async () => {
  await stubs?.stop();
  rmSync(root, { recursive: true, force: true });
});

function listenHttp(server: Server, path: string): Promise<void> {
  return new Promise((resolve) => server.listen(path, resolve));
}

describe("the unix socket", () => {
  it("refuses a socket another server answers on, naming it, and leaves that server's socket alone", async () => {
    const path = join(root, "dockerd.sock");
    const dockerd = createHttpServer((_req, res) => {
      res.writeHead(200, { Server: "Docker/20.10.24 (linux)", "Api-Version": "1.41", "Content-Type": "text/plain" });
      res.end("OK");
    });
    await listenHttp(dockerd, path);
    try {
      const engine = spawnEngineApi(["--socket", path], env);
      expect(await engine.exited).toBe(2);
      const lines = engine.stderr().trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe(
        `engine-api: ${path} is in use: Docker/20.10.24 (linux) answers on it; engine-api will not replace it: stop that server or choose another path (--socket or SLIPWAY_ENGINE_API_SOCKET)`,
      );
      expect(lstatSync(path).isSocket()).toBe(true);
      expect(await pingStatus(path)).toBe(200);
    } finally {
      await new Promise((resolve) => dockerd.close(resolve));
    }
  });

  it("names a live server that does not speak HTTP as 'another server'", async () => {
    const path = join(root, "other.sock");
    const other = createNetServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => other.listen(path, resolve));
    try {
      const engine = spawnEngineApi(["--socket", path], env);
      expect(await engine.exited).toBe(2);
      expect(engine.stderr()).toMatch(/is in use: another server answers on it;/);
      expect(lstatSync(path).isSocket()).toBe(true);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it("refuses a path that is not a socket and leaves the file as it was", async () => {
    const path = join(root, "not-a-socket");
    writeFileSync(path, "precious");
    const engine = spawnEngineApi(["--socket", path], env);
    expect(await engine.exited).toBe(2);
    expect(engine.stderr()).toBe(
      `engine-api: ${path} exists and is not a socket; engine-api will not replace it: remove it or choose another path (--socket or SLIPWAY_ENGINE_API_SOCKET)\n`,
    );
    expect(readFileSync(path, "utf8")).toBe("precious");
  });

  it("replaces a stale socket, serves 0660 root:<group> in a 0750 run root, and removes its own socket on stop", async () => {
    const path = join(runRoot, "docker.sock");
    mkdirSync(runRoot, { recursive: true });
    await staleSocketAt(path);
    const engine = spawnEngineApi([], env);
    await untilServing(engine, path);
    const stat = statSync(path);
    expect(stat.mode & 0o777).toBe(0o660);
    expect(stat.uid).toBe(0);
    expect(stat.gid).toBe(socketGroupFrom({}).gid);
    expect(statSync(runRoot).mode & 0o777).toBe(0o750);
    expect(await engine.stop()).toBe(0);
    expect(existsSync(path)).toBe(false);
    // Nothing else left in the run root either (the socket is bound under a temporary name first).
    expect(readdirSync(runRoot).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("on stop, leaves a socket that replaced its own at the path", async () => {
    const path = join(root, "replaced.sock");
    const engine = spawnEngineApi(["--socket", path], env);
    await untilServing(engine, path);
    const newcomer = join(root, "newcomer.sock");
    const other = createHttpServer((_req, res) => res.end("newcomer"));
    await listenHttp(other, newcomer);
    try {
      linkSync(newcomer, `${path}.tmp`);
      renameSync(`${path}.tmp`, path);
      expect(await engine.stop()).toBe(0);
      expect(lstatSync(path).isSocket()).toBe(true);
      expect(await pingStatus(path)).toBe(200);
      expect(engine.output()).toContain("the socket path no longer holds engine-api's socket; left it alone");
    } finally {
      await new Promise((resolve) => other.close(resolve));
      rmSync(path, { force: true });
    }
  });
});

describe("the TCP listener", () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await makeTestPki(join(root, "tls"));
  });

  it("is refused without TLS material: one line, exit 2", async () => {
    const engine = spawnEngineApi(["--tcp", "0.0.0.0:2375", "--socket", join(root, "no-tls.sock")], env);
    expect(await engine.exited).toBe(2);
    expect(engine.stderr()).toBe(
      'engine-api: --tcp 0.0.0.0:2375 needs TLS: set --tlscacert, --tlscert and --tlskey (or SLIPWAY_TLS_DIR with the certificates from "npx slipway certs")\n',
    );
    expect(existsSync(join(root, "no-tls.sock"))).toBe(false);
  });

  describe("with TLS", () => {
    let port: number;
    let engine: ReturnType<typeof spawnEngineApi>;
    const socketPath = () => join(root, "tls.sock");
    beforeAll(async () => {
      port = await freeTcpPort();
      engine = spawnEngineApi(["--tcp", `127.0.0.1:${port}`, "--socket", socketPath(), "--max-connections-per-client", "20"], {
        ...env,
        SLIPWAY_TLS_DIR: pki.dir,
      });
      await untilServing(engine, socketPath());
    });
    afterAll(async () => {
      expect(await engine?.stop()).toBe(0);
    });

    const ping = (client: { cert?: string; key?: string; ca?: string }) =>
      new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: "127.0.0.1",
            port,
            path: "/_ping",
            ca: readFileSync(client.ca ?? join(pki.dir, "ca.crt")),
            cert: client.cert ? readFileSync(client.cert) : undefined,
            key: client.key ? readFileSync(client.key) : undefined,
            agent: false,
          },
          (res) => (res.resume(), resolve(res.statusCode!)),
        );
        req.once("error", reject).end();
      });

    it("serves a client whose certificate the CA signed", async () => {
      expect(await ping({ cert: join(pki.dir, "client.crt"), key: join(pki.dir, "client.key") })).toBe(200);
    });

    it("refuses at the handshake a client without a certificate, with one from another CA, or with an expired one", async () => {
      await expect(ping({})).rejects.toThrow(/certificate required|socket hang up|ECONNRESET/i);
      const otherDir = join(root, "other-ca");
      mkdirSync(otherDir, { recursive: true });
      const foreign = await pki.issue("client", { ca: await createCertificateAuthority(), dir: otherDir });
      await expect(ping(foreign)).rejects.toThrow(/unknown ca|socket hang up|ECONNRESET/i);
      const expiredDir = join(root, "expired");
      mkdirSync(expiredDir, { recursive: true });
      const expired = await pki.issue("client", {
        dir: expiredDir,
        notBefore: new Date(Date.now() - 3 * 86_400_000),
        notAfter: new Date(Date.now() - 86_400_000),
      });
      await expect(ping(expired)).rejects.toThrow(/certificate expired|socket hang up|ECONNRESET/i);
    });

    it("does not speak plain HTTP", async () => {
      const answer = await new Promise<string>((resolve) => {
        const socket = netConnect(port, "127.0.0.1");
        let data = "";
        socket.on("data", (d: Buffer) => (data += d.toString("latin1")));
        socket.on("close", () => resolve(data));
        socket.on("error", () => undefined);
        socket.write("GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n");
      });
      expect(answer).not.toMatch(/^HTTP\/1\.1 200/);
    });

    it.each([DOCKER_CLI, "/usr/bin/docker"].filter((cli, i, all) => existsSync(cli) && all.indexOf(cli) === i))(
      "the stock CLI %s works with --tlsverify (TLS 1.3)",
      async (cli) => {
        const args = [
          "--tlsverify",
          "--tlscacert",
          join(pki.dir, "ca.crt"),
          "--tlscert",
          join(pki.dir, "client.crt"),
          "--tlskey",
          join(pki.dir, "client.key"),
          "-H",
          `tcp://127.0.0.1:${port}`,
          "version",
          "--format",
          "{{.Server.APIVersion}}",
        ];
        const result = await runDockerCli(cli, args);
        expect(result).toMatchObject({ code: 0, stdout: "1.41\n" });
      },
    );

    it("closes connections beyond the per-client cap as they arrive", async () => {
      const sockets = Array.from({ length: 25 }, () => netConnect(port, "127.0.0.1"));
      const closed = await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<boolean>((resolve) => {
              socket.on("error", () => undefined);
              socket.once("close", () => resolve(true));
              setTimeout(() => resolve(false), 1_500);
            }),
        ),
      );
      sockets.forEach((s) => s.destroy());
      expect(closed.filter(Boolean).length).toBe(5);
      expect(engine.output()).toMatch(/127\.0\.0\.1 has 20 connections open: refused more/);
    });
  });

  it("follows rotated certificate files: new connections see the new certificate, a request in flight completes", async () => {
    const dir = join(root, "rotate");
    const rotating = await makeTestPki(dir);
    const port = await freeTcpPort();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    stubs.orchestrator.inspectContainer = async () => (await released, { inspectJson: Buffer.from('{"Id":"slow"}') });
    const socketPath = join(root, "rotate.sock");
    const engine = spawnEngineApi(["--tcp", `127.0.0.1:${port}`, "--socket", socketPath], {
      ...env,
      SLIPWAY_TLS_DIR: dir,
      SLIPWAY_TLS_RELOAD_SECONDS: "0.2",
    });
    try {
      await untilServing(engine, socketPath);
      const client = {
        ca: readFileSync(join(dir, "ca.crt")),
        cert: readFileSync(join(dir, "client.crt")),
        key: readFileSync(join(dir, "client.key")),
      };
      const before = await serverFingerprint(port, client);
      const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest({ host: "127.0.0.1", port, path: "/v1.41/containers/slow/json", agent: false, ...client }, (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        });
        req.once("error", reject).end();
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Rotate as `slipway certs` does: each file written aside, then renamed over the old one, key first.
      const next = await rotating.ca.issue("engine-api");
      writeFileSync(join(dir, "engine-api.key.new"), next.keyPem, { mode: 0o600 });
      renameSync(join(dir, "engine-api.key.new"), join(dir, "engine-api.key"));
      writeFileSync(join(dir, "engine-api.crt.new"), next.certPem);
      renameSync(join(dir, "engine-api.crt.new"), join(dir, "engine-api.crt"));
      const expected = new X509Certificate(next.certPem).fingerprint256;
      const deadline = Date.now() + 5_000;
      let after = before;
      while (after !== expected && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await serverFingerprint(port, client);
      }
      expect(after).toBe(expected);
      expect(after).not.toBe(before);
      release();
      expect(await inFlight).toEqual({ status: 200, body: '{"Id":"slow"}\n' });
    } finally {
      release();
      stubs.reset();
      expect(await engine.stop()).toBe(0);
    }
  });
});

describe("slow clients", () => {
  it("200 connections sending a header byte a second: others are served at once, the slow ones are closed by the headers timeout", async () => {
    const socketPath = join(root, "loris.sock");
    const engine = spawnEngineApi(["--socket", socketPath, "--headers-timeout", "3"], env);
    await untilServing(engine, socketPath);
    try {
      const rssBefore = rssKiB(engine.child.pid!);
      const started = Date.now();
      const header = `GET /v1.41/_ping HTTP/1.1\r\nHost: docker\r\nUser-Agent: ${"slow".repeat(50)}\r\n`;
      let rssPeak = rssBefore;
      const closedAfter: number[] = [];
      const slow = Array.from({ length: 200 }, () => {
        const socket = netConnect(socketPath);
        let sent = 0;
        const timer = setInterval(() => socket.writable && socket.write(header[sent++ % header.length]!), 1_000);
        socket.on("error", () => undefined);
        socket.once("close", () => (clearInterval(timer), closedAfter.push(Date.now() - started)));
        return socket;
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      rssPeak = Math.max(rssPeak, rssKiB(engine.child.pid!));
      const t0 = performance.now();
      expect(await pingStatus(socketPath)).toBe(200);
      const servedMs = performance.now() - t0;
      expect(servedMs).toBeLessThan(1_000);
      const deadline = Date.now() + 10_000;
      while (closedAfter.length < slow.length && Date.now() < deadline) {
        rssPeak = Math.max(rssPeak, rssKiB(engine.child.pid!));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      slow.forEach((s) => s.destroy());
      expect(closedAfter.length).toBe(200);
      // Closed by the 3 s headers timeout (checked every 750 ms), not by the client.
      expect(Math.min(...closedAfter)).toBeGreaterThanOrEqual(2_900);
      // The timeout runs from the first header byte (sent after 1 s): 1 + 3 s, plus up to one check.
      expect(Math.max(...closedAfter)).toBeLessThan(6_000);
      const rssAfter = rssKiB(engine.child.pid!);
      console.log(
        `slow-loris: 200 connections; a normal /_ping served in ${servedMs.toFixed(1)} ms; slow ones closed after ${Math.min(...closedAfter)}-${Math.max(...closedAfter)} ms; ` +
          `RSS ${rssBefore} KiB before, ${rssPeak} KiB peak (+${rssPeak - rssBefore} KiB), ${rssAfter} KiB after`,
      );
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  }, 30_000);
});

/** A socket file nothing listens on (as a killed daemon leaves it): bound, linked aside, closed. */
async function staleSocketAt(path: string): Promise<void> {
  const bound = `${path}.binding`;
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(bound, resolve));
  linkSync(bound, path);
  await new Promise((resolve) => server.close(resolve));
  expect(lstatSync(path).isSocket()).toBe(true);
}

function serverFingerprint(port: number, client: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, servername: "localhost", ...client }, () => {
      const fingerprint = socket.getPeerX509Certificate()!.fingerprint256;
      socket.destroy();
      resolve(fingerprint);
    });
    socket.once("error", reject);
  });
}
