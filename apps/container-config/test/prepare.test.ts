import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type CallOpts } from "@slipway/grpc-kit";
import { generateRandomId } from "@slipway/docker-spec";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ContainerConfigService } from "../src/container-config.js";
import { readHostInfo } from "../src/host-info.js";
import { recordSession, type RecordStep } from "../src/record-session.js";
import { ContainerStorage } from "../src/storage.js";
import { commitRequest, holdPrepared, prepareRequest, RecordStream } from "./flow.js";
import { startHarness, type ContainerConfigClient, type Harness } from "./harness.js";

const inUse = (name: string) => new RegExp(`The container name "${name}" is already in use by container`);

/** A prepare of `name` on a new stream succeeds: the name is free. Polled, since a cancel reaches the server after the client. */
async function nameIsFree(client: ContainerConfigClient, name: string): Promise<void> {
  const held = await vi.waitFor(() => holdPrepared(client, prepareRequest(generateRandomId(), name)), { timeout: 5_000, interval: 20 });
  await held.stream.abandon();
}

describe.each([
  { transport: "over the network", inProcess: false },
  { transport: "in-process", inProcess: true },
])("CreateContainerRecord $transport", ({ inProcess }) => {
  let h: Harness;
  beforeAll(async () => (h = await startHarness(undefined, { inProcess })));
  afterAll(() => h.stop());
  const hold = (id: string, name: string, opts?: CallOpts) => holdPrepared(h.client, prepareRequest(id, name), opts);

  it("answers what the create needs, commits the prepared container, then ends the stream", async () => {
    const id = generateRandomId();
    const body = { Cmd: ["/bin/true"], WorkingDir: "/srv/../work", Volumes: { "/data": {} }, HostConfig: { CpuShares: -1 } };
    const { stream, prepared } = await holdPrepared(h.client, prepareRequest(id, "whole", body));
    expect(prepared).toEqual({
      name: "/whole",
      warnings: [],
      volumes: [{ destination: "/data", name: "", driver: "local", copyData: true, labels: {}, driverOpts: {} }],
      workingDir: "/work",
      storageOpt: {},
    });
    const mountPoints = [{ destination: "/data", volumeName: "v".repeat(64), driver: "local", type: "volume", rw: true, source: "" }];
    await stream.commit({ containerId: id, created: "", imageId: "", mountPoints });
    await stream.ended();
    const stored = JSON.parse((await h.client.getContainer({ idOrName: "whole" })).container!.configV2Json.toString());
    expect(stored).toMatchObject({
      ID: id,
      Name: "/whole",
      Path: "/bin/true",
      Config: { WorkingDir: "/work" },
      MountPoints: { "/data": { Name: "v".repeat(64) } },
    });
  });

  it("refuses to prepare an ID that another stream holds or that is committed, and leaves what they hold alone", async () => {
    const id = generateRandomId();
    const first = await hold(id, "first");
    await expect(hold(id, "second")).rejects.toMatchObject({ kind: "already_exists", message: `container ${id} is already prepared` });
    await expect(hold(generateRandomId(), "first")).rejects.toMatchObject({
      kind: "already_exists",
      message: expect.stringMatching(inUse("/first")),
    });
    await first.stream.commit(commitRequest(id));
    await first.stream.ended();
    await expect(hold(id, "third")).rejects.toMatchObject({ kind: "already_exists", message: `container ${id} is already committed` });
    expect((await h.client.getContainer({ idOrName: id })).container).toMatchObject({ id, names: ["/first"] });
  });

  it("abandons the container of a stream the caller cancels after `prepared`", async () => {
    const { stream } = await hold(generateRandomId(), "cancelled");
    stream.cancel();
    await nameIsFree(h.client, "cancelled");
  });

  it("abandons the container of a stream the caller half-closes after `prepared`, and ends the stream with OK", async () => {
    await new RecordStream(h.client).abandon(); // nothing sent, nothing done: OK as well
    const { stream } = await hold(generateRandomId(), "half-closed");
    await stream.abandon();
    await (await hold(generateRandomId(), "half-closed")).stream.abandon();
  });

  it("abandons the container of a stream whose deadline passes after `prepared`", async () => {
    const { stream } = await hold(generateRandomId(), "late", { deadlineMs: 300 });
    await nameIsFree(h.client, "late");
    await expect(stream.ended()).rejects.toMatchObject({ kind: "deadline_exceeded" });
  });

  it("refuses a commit of another container ID, abandoning the prepared one", async () => {
    const [id, other] = [generateRandomId(), generateRandomId()];
    const { stream } = await hold(id, "mismatched");
    await expect(stream.send({ commit: commitRequest(other) })).rejects.toMatchObject({
      kind: "invalid_argument",
      message: `commit names container ${other}, but this stream prepared ${id}`,
    });
    await (await hold(generateRandomId(), "mismatched")).stream.abandon();
  });

  it("refuses a second prepare on one stream, abandoning the first and preparing nothing more", async () => {
    const id = generateRandomId();
    const { stream } = await hold(id, "once");
    await expect(stream.send({ prepare: prepareRequest(generateRandomId(), "twice") })).rejects.toMatchObject({
      kind: "invalid_argument",
      message: `container ${id} is already prepared on this stream; prepare comes once`,
    });
    await Promise.all([hold(generateRandomId(), "once"), hold(generateRandomId(), "twice")].map(async (held) => (await held).stream.abandon()));
  });

  it("refuses a commit before prepare, and a message with no step", async () => {
    await expect(new RecordStream(h.client).send({ commit: commitRequest(generateRandomId()) })).rejects.toMatchObject({
      kind: "invalid_argument",
      message: "commit before prepare: prepare comes first",
    });
    await expect(new RecordStream(h.client).send({})).rejects.toMatchObject({
      kind: "invalid_argument",
      message: "a step must be prepare or commit",
    });
  });

  it("answers a config error or a name conflict with its status and reserves nothing", async () => {
    const [id, holder] = [generateRandomId(), generateRandomId()];
    const invalid = { Cmd: ["/bin/true"], WorkingDir: "rel" };
    await expect(holdPrepared(h.client, prepareRequest(id, "misconfigured", invalid))).rejects.toMatchObject({ kind: "invalid_argument" });
    const held = await hold(holder, "contested");
    await expect(hold(id, "contested")).rejects.toMatchObject({ kind: "already_exists", message: expect.stringMatching(inUse("/contested")) });
    await Promise.all([held.stream.abandon(), (await hold(id, "misconfigured")).stream.abandon()]);
  });
});

describe("record sessions in the domain", () => {
  let scratch: string;
  beforeAll(async () => (scratch = await mkdtemp(join(tmpdir(), "slipway-prepare-"))));
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  /** A domain whose commits cannot write: its containers directory is a file. */
  async function unwritableDomain(): Promise<ContainerConfigService> {
    const notADirectory = join(scratch, generateRandomId());
    await writeFile(notADirectory, "");
    const logger = createLogger("container-config", "silent");
    return new ContainerConfigService(new ContainerStorage(notADirectory), readHostInfo("/var/lib/docker"), existsSync, logger);
  }
  const commitOf = (domain: ContainerConfigService, id: string) => domain.commit({ id, created: "", imageId: "", volumes: [] });

  it("keeps a container prepared when its commit cannot write, until it is abandoned", async () => {
    const domain = await unwritableDomain();
    const id = generateRandomId();
    domain.prepare(prepareRequest(id, "unwritten"));
    await expect(commitOf(domain, id)).rejects.toThrow(/ENOTDIR/);
    await expect(commitOf(domain, id)).rejects.toThrow(/ENOTDIR/);
    expect(() => domain.prepare(prepareRequest(generateRandomId(), "unwritten"))).toThrow(inUse("/unwritten"));
    domain.abandon(id);
    await expect(commitOf(domain, id)).rejects.toMatchObject({ kind: "failed_precondition", message: `container ${id} is not prepared` });
    expect(domain.prepare(prepareRequest(generateRandomId(), "unwritten"))).toMatchObject({ name: "/unwritten" });
  });

  it("abandons the container of a session whose commit fails", async () => {
    const domain = await unwritableDomain();
    const id = generateRandomId();
    async function* steps(): AsyncIterable<RecordStep> {
      yield { prepare: prepareRequest(id, "failed") };
      yield { commit: { id, created: "", imageId: "", volumes: [] } };
    }
    const answers = recordSession(domain, steps(), new AbortController().signal);
    expect((await answers.next()).value).toMatchObject({ prepared: { name: "/failed" } });
    await expect(answers.next()).rejects.toThrow(/ENOTDIR/);
    expect(domain.prepare(prepareRequest(generateRandomId(), "failed"))).toMatchObject({ name: "/failed" });
  });

  it("abandons at once when the session is cut, even while it waits for a step that never comes", async () => {
    const domain = await unwritableDomain();
    const cut = new AbortController();
    async function* steps(): AsyncIterable<RecordStep> {
      yield { prepare: prepareRequest(generateRandomId(), "stranded") };
      await new Promise(() => undefined);
    }
    const answers = recordSession(domain, steps(), cut.signal);
    await answers.next();
    void answers.next();
    cut.abort();
    expect(domain.prepare(prepareRequest(generateRandomId(), "stranded"))).toMatchObject({ name: "/stranded" });
  });
});
