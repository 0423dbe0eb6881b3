import { X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCaptured } from "./run-captured.js";

const APPS = ["layer-store", "image-store", "container-config", "orchestrator", "engine-api", "cli"];
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "slipway-certs-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Runs `slipway ARGS` in this process with endpoints where nothing listens: certs must not need them. */
function slipway(...args: string[]) {
  return runCaptured(args, { SLIPWAY_ORCHESTRATOR_ADDR: "127.0.0.1:1", SLIPWAY_IMAGE_STORE_ADDR: "127.0.0.1:1" });
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe("slipway certs", () => {
  it("writes the CA and a certificate per app, keys 0600, without a stack", async () => {
    const out = join(root, "certs");
    const result = await slipway("certs", "--out", out, "--days", "30", "--san", "build-host", "--san", "10.0.0.9");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`Wrote a new CA and certificates for ${APPS.join(", ")} to ${out}`);
    expect(lines[1]).toBe("  ca.crt ca.key (keep ca.key offline once the certificates are issued)");
    expect(lines[5]).toMatch(/^ {2}orchestrator\.crt orchestrator\.key +spiffe:\/\/slipway\/orchestrator$/);
    expect(lines.at(-1)).toMatch(/^Valid for 30 days, until \d{4}-\d\d-\d\d, also for build-host, 10\.0\.0\.9\.$/);
    expect(result.stdout).not.toContain("PRIVATE KEY");

    const files = ["ca.crt", "ca.key", ...APPS.flatMap((app) => [`${app}.crt`, `${app}.key`])];
    expect(readdirSync(out).sort()).toEqual([...files].sort());
    expect(mode(out)).toBe(0o755);
    for (const file of files) expect([file, mode(join(out, file))]).toEqual([file, file.endsWith(".key") ? 0o600 : 0o644]);
    const ca = new X509Certificate(readFileSync(join(out, "ca.crt")));
    const engine = new X509Certificate(readFileSync(join(out, "engine-api.crt")));
    expect(engine.verify(ca.publicKey)).toBe(true);
    expect(engine.subjectAltName).toContain("URI:spiffe://slipway/engine-api");
    expect(engine.subjectAltName).toContain("DNS:build-host");
    expect(engine.subjectAltName).toContain("IP Address:10.0.0.9");
  });

  it("reuses the CA on a second run, replaces it with --new-ca", async () => {
    expect((await slipway("certs", "--out", root)).code).toBe(0);
    const caBytes = readFileSync(join(root, "ca.crt"));
    const serial = new X509Certificate(readFileSync(join(root, "cli.crt"))).serialNumber;

    const again = await slipway("certs", "--out", root);
    expect(again.code).toBe(0);
    expect(again.stdout.split("\n")[0]).toBe(`Reused the CA in ${root} and wrote certificates for ${APPS.join(", ")}`);
    expect(again.stdout).not.toContain("ca.key");
    expect(readFileSync(join(root, "ca.crt")).equals(caBytes)).toBe(true);
    expect(new X509Certificate(readFileSync(join(root, "cli.crt"))).serialNumber).not.toBe(serial);

    const fresh = await slipway("certs", "--out", root, "--new-ca");
    expect(fresh.stdout.split("\n")[0]).toMatch(/^Wrote a new CA/);
    expect(readFileSync(join(root, "ca.crt")).equals(caBytes)).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)("chowns keys per --key-owner (GID defaults to UID)", async () => {
    const result = await slipway("certs", "--out", root, "--key-owner", "orchestrator=1500:1600", "--key-owner=cli=1700");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/orchestrator\.key +spiffe:\/\/slipway\/orchestrator {2}\(key owned by 1500:1600\)/);
    const owner = (file: string) => [statSync(join(root, file)).uid, statSync(join(root, file)).gid];
    expect(owner("orchestrator.key")).toEqual([1500, 1600]);
    expect(owner("cli.key")).toEqual([1700, 1700]);
    expect(owner("orchestrator.crt")).toEqual([0, 0]);
    expect(mode(join(root, "orchestrator.key"))).toBe(0o600);
  });

  it("explains bad input in one line and exits non-zero", async () => {
    const cases: [string[], RegExp][] = [
      [[], /^slipway: certs needs the directory to write to: slipway certs --out DIR/],
      [["--out", root, "--days", "0"], /^slipway: invalid argument "0" for "--days" flag: a positive whole number of days$/],
      [["--out", root, "--days", "1.5"], /^slipway: invalid argument "1\.5" for "--days" flag/],
      [
        ["--out", root, "--key-owner", "orchestrator"],
        /^slipway: invalid argument "orchestrator" for "--key-owner" flag: use APP=UID or APP=UID:GID/,
      ],
      [
        ["--out", root, "--key-owner", "orchestrater=1000"],
        /^slipway: invalid argument "orchestrater=1000" for "--key-owner" flag: "orchestrater" is not one of/,
      ],
      [["--out", root, "--key-owner", "cli=alice"], /^slipway: invalid argument "cli=alice" for "--key-owner" flag/],
      [["--out", root, "--san", "not a host"], /^slipway: invalid --san: not a host name or an IP address: "not a host"$/],
      [["--out", root, "extra"], /^slipway: "certs" takes no arguments/],
      [["--out"], /^slipway: flag needs an argument: --out$/],
    ];
    for (const [args, message] of cases) {
      const result = await slipway("certs", ...args);
      expect([args, result.code]).toEqual([args, 2]);
      expect(result.stdout).toBe("");
      expect(result.stderr.split("\n")[0]).toMatch(message);
    }
    expect(readdirSync(root)).toEqual([]);
  });

  it("refuses to replace a CA whose key was taken offline, exit 1", async () => {
    expect((await slipway("certs", "--out", root)).code).toBe(0);
    rmSync(join(root, "ca.key"));
    const result = await slipway("certs", "--out", root);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `slipway: ${join(root, "ca.crt")} exists but ca.key does not: put the CA key back to issue under this CA, or ask for a new CA (newCa, \`slipway certs --new-ca\`)\n`,
    );
  });

  it("is listed in the help", async () => {
    const help = await slipway("help");
    expect(help.stdout).toMatch(/\n {2}certs {4}Write the mutual-TLS CA and a certificate per app, no stack needed: certs --out DIR/);
  });
});
