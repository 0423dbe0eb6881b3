import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createRequestFromArgs, parsePorts, parseRestartPolicy, parseVolumes } from "./create-request.js";
import { UsageError } from "./flags.js";
import { indentJson, inspectOutput } from "./json-indent.js";
import { progressLine } from "./progress.js";
import { ellipsis, formatTable } from "./table.js";
import { humanSizeWithPrecision, ramInBytes } from "@slipway/docker-spec";

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), "utf8");
const client = { env: { HOME_DIR: "/root" }, consoleSize: [0, 0] as const };

describe("create arguments → the body the docker CLI sends", () => {
  it("is byte for byte docker CLI 28.2.2's body for `create -it --name demo golden:1`", () => {
    const request = createRequestFromArgs(["-it", "--name", "demo", "golden:1"], client);
    expect(request.name).toBe("demo");
    expect(request.body.toString()).toBe(fixture("docker-cli-create-it-demo.json"));
  });

  it("is byte for byte the body without -it (1729 bytes, as captured)", () => {
    const request = createRequestFromArgs(["--name", "demo", "golden:1"], client);
    expect(request.body.length).toBe(1729);
    expect(JSON.parse(request.body.toString())).toMatchObject({
      AttachStdin: false,
      AttachStdout: true,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
    });
  });

  it("maps each common flag to its field, and keeps the command's own flags", () => {
    const args = [
      "-e",
      "FOO=bar",
      "-e",
      "HOME_DIR",
      "-e",
      "UNSET",
      "--entrypoint",
      "/bin/sh",
      "-p",
      "127.0.0.1:8080:80",
      "-p",
      "53/udp",
      "--restart",
      "on-failure:3",
      "-m",
      "64m",
      "-w",
      "/work",
      "-u",
      "1000:1000",
      "-l",
      "a=b",
      "-l",
      "flag",
      "-v",
      "/data",
      "-v",
      "/srv:/srv:ro",
      "golden:1",
      "-c",
      "ls -la",
    ];
    const body = JSON.parse(createRequestFromArgs(args, client).body.toString());
    expect(body).toMatchObject({
      Env: ["FOO=bar", "HOME_DIR=/root", "UNSET"],
      Entrypoint: ["/bin/sh"],
      Cmd: ["-c", "ls -la"],
      ExposedPorts: { "80/tcp": {}, "53/udp": {} },
      WorkingDir: "/work",
      User: "1000:1000",
      Labels: { a: "b", flag: "" },
      Volumes: { "/data": {} },
      HostConfig: {
        Binds: ["/srv:/srv:ro"],
        PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }], "53/udp": [{ HostIp: "", HostPort: "" }] },
        RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
        Memory: 67108864,
      },
    });
    expect(Object.keys(body).indexOf("ExposedPorts")).toBe(Object.keys(body).indexOf("AttachStderr") + 1);
  });

  it('sends [""] for --entrypoint "" and the terminal size only with -t', () => {
    const body = JSON.parse(createRequestFromArgs(["-t", "--entrypoint", "", "golden:1"], { env: {}, consoleSize: [40, 120] }).body.toString());
    expect(body.Entrypoint).toEqual([""]);
    expect(body.HostConfig.ConsoleSize).toEqual([40, 120]);
  });

  it("explains bad arguments", () => {
    expect(() => createRequestFromArgs(["--name", "x"], client)).toThrow(/requires at least 1 argument/);
    expect(() => createRequestFromArgs(["--bogus", "golden:1"], client)).toThrow(UsageError);
    expect(() => createRequestFromArgs(["--name"], client)).toThrow(/flag needs an argument: --name/);
    expect(() => parsePorts(["99999"])).toThrow(/invalid port specification: "99999"/);
    expect(() => parseVolumes(["data:rel"])).toThrow(/mount path must be absolute/);
    expect(() => parseRestartPolicy("on-failure:x")).toThrow(/invalid restart policy format/);
    expect(() => ramInBytes("lots")).toThrow(/invalid size/);
  });
});

describe("docker's output formats", () => {
  it("prints `docker ps -a` exactly as the captured CLI did", () => {
    const table = formatTable(
      ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"],
      [
        [
          "81f2a5b1a2fd",
          "golden:1",
          JSON.stringify(ellipsis("/bin/sh -c 'cat /srv/app/hello.txt; echo $GREETING'", 20)),
          "3 seconds ago",
          "Created",
          "",
          "demo",
        ],
      ],
    );
    expect(table).toBe(
      "CONTAINER ID   IMAGE      COMMAND                  CREATED         STATUS    PORTS     NAMES\n" +
        '81f2a5b1a2fd   golden:1   "/bin/sh -c \'cat /sr…"   3 seconds ago   Created             demo\n',
    );
  });

  it("prints `docker images` exactly as the captured CLI did", () => {
    const table = formatTable(
      ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"],
      [["golden", "1", "69820369cc29", "41 minutes ago", humanSizeWithPrecision(1982308, 3)]],
    );
    expect(table).toBe(
      "REPOSITORY   TAG       IMAGE ID       CREATED          SIZE\ngolden       1         69820369cc29   41 minutes ago   1.98MB\n",
    );
  });

  it("prints inspect documents as `docker inspect` does: the raw bytes re-indented, nulls and order kept", () => {
    const golden = fixture("docker-inspect-demo.txt");
    const compact = JSON.stringify(JSON.parse(golden)[0]);
    expect(inspectOutput([compact])).toBe(golden);
    expect(indentJson('{"a":{},"b":[],"c":[1,"x,y"],"d":12345678901234567890}', "", "  ")).toBe(
      '{\n  "a": {},\n  "b": [],\n  "c": [\n    1,\n    "x,y"\n  ],\n  "d": 12345678901234567890\n}',
    );
  });
});

describe("load progress", () => {
  it("draws docker's bar", () => {
    const digest = "sha256:f6c3edee5c1aef56a27f04c4dd444615fafaaf7ae80a95d432da11049745710f";
    expect(progressLine(digest, 1442000, 1982284)).toBe(`f6c3edee5c1a: Loading layer [${"=".repeat(36)}>${" ".repeat(14)}]  1.442MB/1.982MB`);
    expect(progressLine(digest, 1982284, 1982284)).toBe(`f6c3edee5c1a: Loading layer [${"=".repeat(50)}>]  1.982MB/1.982MB`);
  });
});
