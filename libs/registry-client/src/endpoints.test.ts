import { describe, expect, it } from "vitest";
import { DOCKER_HUB_API, RegistryHosts } from "./endpoints.js";

const addresses: Record<string, string[]> = { "registry.corp": ["10.1.2.3"], "laptop.local": ["127.0.1.1"], "v6.corp": ["fd00::5"] };
const lookup = async (host: string) => {
  const found = addresses[host];
  if (found === undefined) throw new Error("no such host");
  return found;
};

describe("RegistryHosts.endpoints", () => {
  it("sends docker.io to the mirrors first, then registry-1.docker.io; pushes skip mirrors", async () => {
    const hosts = new RegistryHosts({ mirrors: ["https://mirror.corp/", "http://laptop.local:5000"], lookup });
    expect(await hosts.endpoints("docker.io", "pull")).toEqual([
      { url: "https://mirror.corp", mirror: true, tlsVerify: true, certsHost: "mirror.corp" },
      { url: "http://laptop.local:5000", mirror: true, tlsVerify: false },
      { url: DOCKER_HUB_API, mirror: false, tlsVerify: true },
    ]);
    expect(await hosts.endpoints("index.docker.io", "push")).toEqual([{ url: DOCKER_HUB_API, mirror: false, tlsVerify: true }]);
  });

  it("tries HTTPS only for a secure registry, with its certs.d directory", async () => {
    const hosts = new RegistryHosts({ lookup });
    expect(await hosts.endpoints("registry.corp:5000", "pull")).toEqual([
      { url: "https://registry.corp:5000", mirror: false, tlsVerify: true, certsHost: "registry.corp:5000" },
    ]);
    expect(await hosts.endpoints("unresolvable.corp", "pull")).toEqual([
      { url: "https://unresolvable.corp", mirror: false, tlsVerify: true, certsHost: "unresolvable.corp" },
    ]);
    expect((await hosts.endpoints("[::1]:5000", "pull"))[0]!.tlsVerify).toBe(true); // ::1 is not in 127.0.0.0/8
  });

  it("tries unverified HTTPS then HTTP on 127.0.0.0/8 and listed registries", async () => {
    const insecure = [
      { url: "https://127.0.0.1:5000", mirror: false, tlsVerify: false },
      { url: "http://127.0.0.1:5000", mirror: false, tlsVerify: false },
    ];
    const hosts = new RegistryHosts({ insecureRegistries: ["registry.corp:5000", "fd00::/8"], lookup });
    expect(await hosts.endpoints("127.0.0.1:5000", "pull")).toEqual(insecure);
    expect((await hosts.endpoints("laptop.local", "pull")).map((e) => e.url)).toEqual(["https://laptop.local", "http://laptop.local"]);
    expect((await hosts.endpoints("registry.corp:5000", "push")).map((e) => e.url)).toEqual([
      "https://registry.corp:5000",
      "http://registry.corp:5000",
    ]);
    expect((await hosts.endpoints("registry.corp:5001", "push")).map((e) => e.url)).toEqual(["https://registry.corp:5001"]);
    expect((await hosts.endpoints("v6.corp", "pull")).map((e) => e.tlsVerify)).toEqual([false, false]);
  });

  it("validates the configuration as dockerd does at start", () => {
    expect(() => new RegistryHosts({ mirrors: ["mirror.corp"] })).toThrow('invalid mirror: unsupported scheme "" in "mirror.corp"');
    expect(() => new RegistryHosts({ mirrors: ["ftp://mirror.corp"] })).toThrow('invalid mirror: unsupported scheme "ftp" in "ftp://mirror.corp"');
    expect(() => new RegistryHosts({ mirrors: ["https://mirror.corp/v2/"] })).toThrow("invalid mirror: path, query, or fragment at end of the URI");
    expect(() => new RegistryHosts({ mirrors: ["https://u:p@mirror.corp"] })).toThrow(
      'invalid mirror: username/password not allowed in URI "https://u:xxxxx@mirror.corp"',
    );
    expect(() => new RegistryHosts({ insecureRegistries: ["-bad"] })).toThrow("invalid index name (-bad). Cannot begin or end with a hyphen");
    expect(() => new RegistryHosts({ insecureRegistries: ["ftp://x"] })).toThrow("insecure registry ftp://x should not contain '://'");
    expect(() => new RegistryHosts({ insecureRegistries: ["bad_host"] })).toThrow('insecure registry bad_host is not valid: invalid host "bad_host"');
    expect(new RegistryHosts({ mirrors: ["https://m.corp", "https://m.corp/"] }).mirrors).toEqual(["https://m.corp"]);
    expect(() => new RegistryHosts({ insecureRegistries: ["http://ok.corp:5000", "10.0.0.0/8"] })).not.toThrow();
  });
});
