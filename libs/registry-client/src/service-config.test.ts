import { describe, expect, it } from "vitest";
import { networkOf, serviceConfig } from "./service-config.js";

describe("serviceConfig", () => {
  it("is dockerd's default RegistryConfig without options", () => {
    expect(JSON.stringify(serviceConfig({}))).toBe(
      '{"AllowNondistributableArtifactsCIDRs":[],"AllowNondistributableArtifactsHostnames":[],"InsecureRegistryCIDRs":["127.0.0.0/8"],' +
        '"IndexConfigs":{"docker.io":{"Name":"docker.io","Mirrors":[],"Secure":true,"Official":true}},"Mirrors":[]}',
    );
  });

  it("lists mirrors with one trailing slash, insecure hosts as index entries and CIDRs as networks", () => {
    const config = serviceConfig({
      mirrors: ["https://mirror.example.com", "https://mirror.example.com/", "http://10.0.0.5:5000"],
      insecureRegistries: ["http://registry.local:5000", "10.1.2.3/8", "127.0.0.0/8", "10.9.9.9/8", "fd00::1/64"],
    });
    expect(config.Mirrors).toEqual(["https://mirror.example.com/", "http://10.0.0.5:5000/"]);
    expect(config.InsecureRegistryCIDRs).toEqual(["10.0.0.0/8", "127.0.0.0/8", "fd00::/64"]);
    expect(Object.keys(config.IndexConfigs)).toEqual(["docker.io", "registry.local:5000"]);
    expect(config.IndexConfigs["registry.local:5000"]).toEqual({ Name: "registry.local:5000", Mirrors: [], Secure: false, Official: false });
    expect(config.IndexConfigs["docker.io"]!.Mirrors).toEqual(config.Mirrors);
  });
});

describe("networkOf", () => {
  it("prints the network as Go's IPNet.String does, and nothing for a host name", () => {
    expect(networkOf("192.168.7.9/16")).toBe("192.168.0.0/16");
    expect(networkOf("0.0.0.0/0")).toBe("0.0.0.0/0");
    expect(networkOf("2001:db8:0:0:1::7/48")).toBe("2001:db8::/48");
    expect(networkOf("::1/128")).toBe("::1/128");
    expect(networkOf("registry.local:5000")).toBeUndefined();
    expect(networkOf("10.0.0.0/33")).toBeUndefined();
  });
});
