import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { SlipwayError } from "@slipway/errors";
import type { CallOpts } from "@slipway/grpc-kit";
import type { containerconfig } from "@slipway/proto";
import { expect } from "vitest";
import type { ContainerConfigClient } from "./harness.js";

export interface SlipwayCreate {
  body: string;
  imageConfig: Buffer;
  imageId: string;
  id: string;
  name: string;
  created?: string;
  apiVersion?: string;
  /** dockerd's MountPoints for the same request: its volume names and _data paths are used, by destination. */
  dockerdMountPoints?: Record<string, { Name: string; Source: string }>;
}

export type SlipwayOutcome =
  | { ok: true; configV2: string; hostConfig: string; warnings: string[]; name: string; volumes: Record<string, string> }
  | { ok: false; kind: string; message: string };

/** What the orchestrator does with container-config for one create: prepare, then commit, on one stream. */
export async function createViaSlipway(client: ContainerConfigClient, c: SlipwayCreate): Promise<SlipwayOutcome> {
  const stream = new RecordStream(client);
  try {
    const prepared = await stream.prepare({
      createRequestJson: Buffer.from(c.body),
      imageConfigJson: c.imageConfig,
      containerId: c.id,
      apiVersion: c.apiVersion ?? "1.41",
      name: c.name,
    });
    const mountPoints = prepared.volumes.map(({ destination, name: requested }) => {
      const theirs = c.dockerdMountPoints?.[destination];
      const volumeName = theirs?.Name ?? (requested || randomBytes(32).toString("hex"));
      const source = theirs?.Source || `/var/lib/docker/volumes/${volumeName}/_data`;
      return { destination, volumeName, driver: "local", type: "volume", rw: true, source };
    });
    await stream.commit({ containerId: c.id, created: c.created ?? "", imageId: c.imageId, mountPoints });
    await stream.ended();
    const volumes = Object.fromEntries(mountPoints.map((m) => [m.destination, m.volumeName]));
    const record = (await client.getContainer({ idOrName: c.id })).container!;
    return {
      ok: true,
      configV2: record.configV2Json.toString(),
      hostConfig: record.hostConfigJson.toString(),
      warnings: prepared.warnings,
      name: prepared.name,
      volumes,
    };
  } catch (err) {
    if (err instanceof SlipwayError) return { ok: false, kind: err.kind, message: err.message };
    throw err;
  }
}

/**
 * A CreateContainerRecord stream driven one step at a time, as the orchestrator drives it: each step sent
 * waits for its answer; the stream's status (an error, or the end) comes as the next answer would.
 */
export class RecordStream {
  private readonly steps = new PassThrough({ objectMode: true });
  private readonly answers: AsyncIterator<containerconfig.CreateContainerRecordResponse>;

  constructor(client: ContainerConfigClient, opts?: CallOpts) {
    this.answers = client.createContainerRecord(this.steps, opts)[Symbol.asyncIterator]();
  }

  /** Sends `prepare`; answers `prepared`. */
  async prepare(request: containerconfig.PrepareContainerRequest): Promise<containerconfig.PrepareContainerResponse> {
    return (await this.send({ prepare: request })).prepared!;
  }

  /** Sends `commit`; resolves on `committed`. */
  async commit(request: containerconfig.CommitContainerRequest): Promise<void> {
    expect(await this.send({ commit: request })).toEqual({ committed: {} });
  }

  /** Sends any step and answers the server's next message. */
  async send(step: containerconfig.CreateContainerRecordRequest): Promise<containerconfig.CreateContainerRecordResponse> {
    this.steps.write(step);
    const next = await this.next();
    if (next.done) throw new Error("the stream ended without answering");
    return next.value;
  }

  /** Resolves once the server has ended the stream with OK; rejects with the status it ended with. */
  async ended(): Promise<void> {
    const next = await this.next();
    if (!next.done) throw new Error(`the stream answered again: ${JSON.stringify(next.value)}`);
  }

  /** Ends the caller's side, as a caller that gives up the create. */
  halfClose(): void {
    this.steps.end();
  }

  /** Half-closes, and resolves once the server has ended the stream: the prepared container is abandoned by then. */
  async abandon(): Promise<void> {
    this.halfClose();
    await this.ended();
  }

  /** Cancels the call, as a caller that goes away: the steps it had still to send never come, nor does their end. */
  cancel(): void {
    void this.answers.return?.();
  }

  private async next(): Promise<IteratorResult<containerconfig.CreateContainerRecordResponse>> {
    try {
      const next = await this.answers.next();
      if (next.done) this.steps.end();
      return next;
    } catch (err) {
      this.steps.end();
      throw err;
    }
  }
}

/** A `prepare` step for a container of no image, with a command of its own unless `body` says otherwise. */
export function prepareRequest(containerId: string, name: string, body: object = { Cmd: ["/bin/true"] }) {
  return { createRequestJson: Buffer.from(JSON.stringify(body)), imageConfigJson: Buffer.alloc(0), containerId, apiVersion: "1.41", name };
}

/** A `commit` step of a container that mounts no volume. */
export function commitRequest(containerId: string, created = "") {
  return { containerId, created, imageId: "", mountPoints: [] };
}

/** Prepares a container on a stream of its own and keeps the stream open: the container stays prepared until it ends. */
export async function holdPrepared(client: ContainerConfigClient, request: containerconfig.PrepareContainerRequest, opts?: CallOpts) {
  const stream = new RecordStream(client, opts);
  return { stream, prepared: await stream.prepare(request) };
}

/** dockerd's status for each error kind, as engine-api maps them. */
export const STATUS_OF_KIND: Record<string, number> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 409,
  internal: 500,
  unimplemented: 501,
};
