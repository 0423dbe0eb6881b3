import { describe, expect, it } from "vitest";
import { compareOutput, formatMismatch, normalise } from "./compare.js";
import { findBlocks, formatProblem, isRunnable, parseMarker } from "./markdown.js";
import { splitConsole, splitShell } from "./session.js";

const md = (...lines: string[]) => lines.join("\n");

describe("findBlocks", () => {
  it("finds each fenced block with its language, body lines and the marker on the line before it", () => {
    const { blocks, problems } = findBlocks(
      "README.md",
      md(
        "# Title", //                                   1
        "", //                                          2
        "<!-- readme-check: not run: needs a second host -->", // 3
        "```sh", //                                     4
        "ssh other-host docker ps", //                  5
        "```", //                                       6
        "```console", //                                7
        "$ npx slipway --help", //                      8
        "Usage: slipway …", //                          9
        "```", //                                       10
        "<!-- readme-check: run -->", //                11
        "```bash", //                                   12
        "echo hi", //                                   13
        "```", //                                       14
        "```ts", //                                     15
        "const x = 1;", //                              16
        "```", //                                       17
        "```", //                                       18
        "<data-root>/", //                              19
        "```", //                                       20
      ),
    );
    expect(problems).toEqual([]);
    expect(blocks.map((b) => [b.line, b.lang, b.marker, isRunnable(b)])).toEqual([
      [4, "sh", { run: false, reason: "needs a second host" }, false],
      [7, "console", undefined, true],
      [12, "bash", { run: true }, true],
      [15, "ts", undefined, false],
      [18, "", undefined, false],
    ]);
    expect(blocks[1]!.body).toEqual([
      { line: 8, text: "$ npx slipway --help" },
      { line: 9, text: "Usage: slipway …" },
    ]);
  });

  it("reads blocks indented in a list item, and a longer fence that holds a shorter one", () => {
    const { blocks, problems } = findBlocks("a.md", md("- item", "  ```sh", "  echo a", "  ```", "````console", "$ cat x.md", "```", "````"));
    expect(problems).toEqual([]);
    expect(blocks.map((b) => [b.line, b.lang, b.body.map((l) => l.text)])).toEqual([
      [2, "sh", ["echo a"]],
      [5, "console", ["$ cat x.md", "```"]],
    ]);
  });

  it("reports, with file:line, a not-run marker without its reason, unknown markers, misplaced markers and undecided blocks", () => {
    const { problems } = findBlocks(
      "apps/x/README.md",
      md(
        "<!-- readme-check: not run -->", //            1
        "```sh", //                                     2
        "make", //                                      3
        "```", //                                       4
        "<!-- readme-check: skip -->", //               5
        "```sh", //                                     6
        "```", //                                       7
        "<!-- readme-check: run -->", //                8
        "", //                                          9
        "```sh", //                                     10
        "```", //                                       11
        "<!-- readme-check: not run: yaml is never run -->", // 12
        "```yaml", //                                   13
        "```", //                                       14
        "```powershell", //                             15
        "```", //                                       16
        "```", //                                       17
        "$ docker ps", //                               18
        "```", //                                       19
        "```sh", //                                     20
      ),
    );
    expect(problems.map(formatProblem)).toEqual([
      'apps/x/README.md:1: a "not run" marker needs its reason: <!-- readme-check: not run: <reason> -->',
      expect.stringMatching(/^apps\/x\/README.md:5: unknown readme-check marker "skip"/),
      "apps/x/README.md:8: a readme-check marker must be on the line right before a fenced block",
      'apps/x/README.md:12: a readme-check marker before a "yaml" block, which is not shell and never run',
      expect.stringMatching(/^apps\/x\/README.md:15: a "powershell" block: the README check knows neither/),
      "apps/x/README.md:17: a plain block that looks like a shell session: label it console (run, or marked not run with the reason)",
      "apps/x/README.md:20: this fenced block is never closed",
    ]);
  });

  it("parses markers", () => {
    expect(parseMarker(" run ")).toEqual({ run: true });
    expect(parseMarker(" not run: needs a Kubernetes cluster ")).toEqual({ run: false, reason: "needs a Kubernetes cluster" });
    expect(parseMarker("not run:")).toMatch(/needs its reason/);
  });
});

describe("splitting blocks into commands", () => {
  const block = (lang: string, ...lines: string[]) => findBlocks("R.md", md("```" + lang, ...lines, "```")).blocks[0]!;

  it("console: `$ ` lines are commands with `\\` continuations, the lines after them their output", () => {
    const { commands, problems } = splitConsole(
      block("console", "$ export A=1", "$ docker --tlsverify \\", "  -H tcp://x version", "Client: …", "", "$ echo done", "done", ""),
    );
    expect(problems).toEqual([]);
    expect(commands).toEqual([
      { line: 2, command: "export A=1", expected: [] },
      { line: 3, command: "docker --tlsverify \\\n  -H tcp://x version", expected: [{ line: 5, text: "Client: …" }] },
      { line: 7, command: "echo done", expected: [{ line: 8, text: "done" }] },
    ]);
  });

  it("console: output before the first command is a problem", () => {
    expect(splitConsole(block("console", "hello", "$ true")).problems.map(formatProblem)).toEqual([
      "R.md:2: output before the first `$ ` command of a console block",
    ]);
  });

  it("sh: every command, comment-only and blank lines skipped, continuations joined, output not compared", () => {
    expect(splitShell(block("sh", "# a comment", "npm ci && npm start     # build", "", "FOO=1 \\", "  docker version"))).toEqual([
      { line: 3, command: "npm ci && npm start     # build" },
      { line: 5, command: "FOO=1 \\\n  docker version" },
    ]);
  });
});

describe("normalise", () => {
  it("replaces IDs, sha256 digests, times, dates, sizes and loopback ports, and makes whitespace runs one space", () => {
    expect(normalise("golden       1         e6f464db403a   12 minutes ago   1.98MB")).toBe("golden 1 <hex> <time> ago <size>");
    expect(normalise("golden       1         940b1464d1d6   About a minute ago   123kB")).toBe("golden 1 <hex> <time> ago <size>");
    expect(normalise('3f1c0b0d6f4e   golden:1   "/bin/sh -c \'cat /sr…"   Less than a second ago   Created             demo')).toBe(
      '<hex> golden:1 "/bin/sh -c \'cat /sr…" <time> ago Created demo',
    );
    expect(normalise("Deleted: sha256:940b1464d1d683c5f702a01060aff7b839da50789f6a8b621a1b839ff263c0c6")).toBe("Deleted: sha256:<hex>");
    expect(normalise('        "Created": "2026-12-06T23:57:45.726001464Z",')).toBe('"Created": "<time>",');
    expect(normalise("Valid for 365 days, until 2027-12-06, also for build-host.")).toBe("Valid for 365 days, until <date>, also for build-host.");
    expect(normalise("Status: Downloaded newer image for 127.0.0.1:41817/golden:1")).toBe(
      "Status: Downloaded newer image for 127.0.0.1:<port>/golden:1",
    );
  });

  it("drops the README's annotations: two or more spaces then # comment or (comment), and comment-only lines", () => {
    expect(normalise("3f1c0b0d6f4e9c2a…                                     (64 hex)")).toBe("<hex>…");
    expect(normalise("DRIVER    VOLUME NAME                                  # dockerd's words")).toBe("DRIVER VOLUME NAME");
    expect(normalise("                                                       # (without -v the volume stays)")).toBeNull();
    expect(normalise("Error: x (y)")).toBe("Error: x (y)");
    expect(normalise("words like deadbeefcafe stay")).toBe("words like deadbeefcafe stay");
  });
});

describe("compareOutput", () => {
  const lines = (first: number, ...texts: string[]) => texts.map((text, i) => ({ line: first + i, text }));

  it("accepts what differs only in IDs, times, sizes and column widths", () => {
    const expected = lines(
      11,
      "CONTAINER ID   IMAGE      COMMAND                  CREATED         STATUS    PORTS     NAMES",
      '3f1c0b0d6f4e   golden:1   "/bin/sh -c \'cat /sr…"   3 seconds ago   Created             demo',
    );
    const printed = [
      "CONTAINER ID   IMAGE      COMMAND                  CREATED                  STATUS    PORTS     NAMES",
      'c2927a23713e   golden:1   "/bin/sh -c \'cat /sr…"   Less than a second ago   Created             demo',
      "",
    ].join("\n");
    expect(compareOutput(expected, printed, 10)).toBeUndefined();
  });

  it("a trailing … matches the rest of a line, a line that is only … any lines", () => {
    const expected = lines(2, "3f1c0b0d6f4e9c2a…                      (64 hex)");
    expect(compareOutput(expected, "c2927a23713ef6091e03eb635772be43c95a48ebaa2aa2ba6a61781bf522d6c5\n", 1)).toBeUndefined();
    const rmi = lines(5, "Untagged: golden:1", "Deleted: sha256:e6f464db403a…", "…");
    const printed = ["Untagged: golden:1", `Deleted: sha256:${"a1".repeat(32)}`, `Deleted: sha256:${"b2".repeat(32)}`].join("\n");
    expect(compareOutput(rmi, printed, 4)).toBeUndefined();
    const middle = lines(1, "[", "…", "]");
    expect(compareOutput(middle, "[\n  {\n  }\n]", 0)).toBeUndefined();
    expect(
      compareOutput(
        lines(1, "Error response from daemon: Slipway does not pull images, and …"),
        "Error response from daemon: Slipway does not pull images, and nosuch:1 is not here.",
        0,
      ),
    ).toBeUndefined();
  });

  it("reports a changed line as a mismatch with its file:line, what the README says and what was printed", () => {
    const expected = lines(64, "Loaded image: golden:1");
    const mismatch = compareOutput(expected, "Loaded image ID: sha256:abc\n", 63);
    expect(mismatch).toEqual({ line: 64, expected: "Loaded image: golden:1", actual: "Loaded image ID: sha256:abc" });
    expect(formatMismatch("README.md", "docker load -i golden.tar", mismatch!, "Loaded image ID: sha256:abc\n")).toBe(
      [
        "README.md:64: the output of `docker load -i golden.tar` drifted from the README",
        "  README:  Loaded image: golden:1",
        "  printed: Loaded image ID: sha256:abc",
        "  it printed:",
        "    | Loaded image ID: sha256:abc",
      ].join("\n"),
    );
  });

  it("reports output the README does not show, and output the README shows that was not printed", () => {
    expect(compareOutput([], "unexpected\n", 7)).toEqual({ line: 7, expected: "(no more output)", actual: "unexpected" });
    expect(compareOutput(lines(8, "demo", "second"), "demo\n", 7)).toEqual({ line: 9, expected: "second", actual: "(no more output)" });
    expect(compareOutput(lines(8, "demo"), "demo\nmore\n", 7)).toEqual({ line: 8, expected: "(no more output)", actual: "more" });
    expect(compareOutput(lines(8, "a", "…", "z"), "a\nb\nc\n", 7)).toEqual({ line: 10, expected: "z", actual: "(no more output)" });
  });
});
