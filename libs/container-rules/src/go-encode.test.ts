import { describe, expect, it } from "vitest";
import { goJson } from "@slipway/docker-spec";
import { encodeGo, encodeGoJson } from "./go-encode.js";
import { decodeGo, goArray, goInt, goMap, goPtr, goSlice, goStrSlice, goString, goStruct, type GoType } from "./go-types.js";
import { configType, hostConfigType } from "./schemas.js";

// dockerd 20.10's hostconfig.json and Config of `docker create -it --name demo golden:1` (tools/golden/dockerd-20.10/demo).
const HOST_CONFIG =
  '{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"json-file","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"CapAdd":null,"CapDrop":null,"CgroupnsMode":"host","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"private","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":67108864,"Runtime":"runc","ConsoleSize":[0,0],"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"KernelMemory":0,"KernelMemoryTCP":0,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":null,"OomKillDisable":false,"PidsLimit":null,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":["/proc/asound","/proc/acpi","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/proc/scsi","/sys/firmware"],"ReadonlyPaths":["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]}';
const CONFIG =
  '{"Hostname":"ce4ade48deaf","Domainname":"","User":"","AttachStdin":true,"AttachStdout":true,"AttachStderr":true,"ExposedPorts":{"53/udp":{},"80/tcp":{}},"Tty":true,"OpenStdin":true,"StdinOnce":true,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","APP_HOME=/srv/app","GREETING=hello world"],"Cmd":["/bin/sh","-c","cat /srv/app/hello.txt; echo $GREETING"],"Image":"golden:1","Volumes":{"/data":{}},"WorkingDir":"/srv/app","Entrypoint":null,"OnBuild":null,"Labels":{"org.example.name":"golden","org.example.version":"1.0"}}';

/** Both encodings of one value, which must agree. */
function encoded(type: GoType, value: unknown): string {
  const text = encodeGoJson(type, value);
  expect(goJson(encodeGo(type, value))).toBe(text);
  return text;
}

const item = goStruct("t.Item", [
  ["Name", goString],
  ["Size", goInt("int64"), "omitempty"],
]);
const doc = goStruct("t.Doc", [
  ["Skipped", goString, "omitempty"],
  ["Item", item],
  ["Items", goSlice(goPtr(item))],
  ["Pair", goArray(goInt("uint"), 2)],
  ["Words", goStrSlice],
  ["ByName", goMap(goString), "omitempty"],
  ["Ptr", goPtr(item), "omitempty"],
]);

describe("encodeGoJson and encodeGo", () => {
  it("write dockerd's hostconfig.json and Config byte for byte from their decoded values", () => {
    expect(encoded(hostConfigType, decodeGo(hostConfigType, JSON.parse(HOST_CONFIG)))).toBe(HOST_CONFIG);
    expect(encoded(configType, decodeGo(configType, JSON.parse(CONFIG)))).toBe(CONFIG);
  });

  it("write fields in struct order, leave out empty omitempty fields, and write nil as Go does", () => {
    expect(encoded(doc, undefined)).toBe('{"Item":{"Name":""},"Items":null,"Pair":[0,0],"Words":null}');
    expect(encoded(doc, { Item: null, Items: [null, { Size: 2 }], Pair: [1, 2], Words: [], ByName: {}, Ptr: { Name: "p" } })).toBe(
      '{"Item":{"Name":""},"Items":[null,{"Name":"","Size":2}],"Pair":[1,2],"Words":[],"Ptr":{"Name":"p"}}',
    );
    expect(encoded(doc, { Skipped: "no", Item: { Name: "<i>", Size: 0 }, Words: ["a&b"] })).toBe(
      '{"Skipped":"no","Item":{"Name":"\\u003ci\\u003e"},"Items":null,"Pair":[0,0],"Words":["a\\u0026b"]}',
    );
  });

  it("write map keys in sorted order, integer-like ones too, escaped", () => {
    const byName = { b: "2", "10": "x", "9": "y", a: "1", "<": "lt", "\u{1f600}": "astral", "\ue000": "private" };
    expect(encoded(doc, { ByName: byName })).toContain(
      '"ByName":{"10":"x","9":"y","\\u003c":"lt","a":"1","b":"2","\u{1f600}":"astral","\ue000":"private"}',
    );
    expect(encodeGo(goMap(goString), { b: "2", "10": "x" })).toEqual(
      new Map([
        ["10", "x"],
        ["b", "2"],
      ]),
    );
  });

  it("encode a value of another shape than its type (undecoded JSON) as the object form does", () => {
    expect(encoded(doc, "not a struct")).toBe(encoded(doc, {}));
    expect(encoded(goMap(goString), ["a", "b"])).toBe('{"0":"a","1":"b"}');
    expect(encoded(item, { Name: 5, Size: "big" })).toBe('{"Name":5,"Size":"big"}');
    expect(() => encodeGoJson(goSlice(goString), "abc")).toThrow(TypeError);
    expect(() => encodeGo(goSlice(goString), "abc")).toThrow(TypeError);
  });
});
