import { unavailable } from "@slipway/errors";
import type { CallOpts } from "@slipway/grpc-kit";
import type { containerconfig } from "@slipway/proto";
import { RequestStream } from "./request-stream.js";
import type { Stores } from "./stores.js";

type Request = containerconfig.CreateContainerRecordRequest;
type Response = containerconfig.CreateContainerRecordResponse;

/**
 * One create's CreateContainerRecord stream with container-config: prepare, then commit, on one call.
 * container-config holds the prepared container (its name and merged config) for as long as the stream
 * lasts; abandon() ends the stream without a commit, which frees the name.
 * The stream's deadline must cover the whole create (the layers are made while it is open).
 */
export class RecordSession {
  private readonly requests = new RequestStream<Request>();
  private readonly responses: AsyncIterator<Response>;

  constructor(containers: Stores["containers"], opts: CallOpts) {
    this.responses = containers.createContainerRecord(this.requests, opts)[Symbol.asyncIterator]();
  }

  async prepare(request: containerconfig.PrepareContainerRequest): Promise<containerconfig.PrepareContainerResponse> {
    this.requests.push({ prepare: request });
    const { prepared } = await this.next("prepared");
    return prepared!;
  }

  /**
   * Resolves once the record is written and durable, and the stream over: its end is read too, since a
   * server in this process runs only as far as its answers are read.
   */
  async commit(request: containerconfig.CommitContainerRequest): Promise<void> {
    this.requests.push({ commit: request });
    await this.next("committed");
    this.requests.end();
    await this.responses.next().catch(() => undefined); // committed already: how the stream ends changes nothing
  }

  /**
   * Ends the stream without a commit and waits for container-config to end it too, by which time the name
   * is free again: a failed create answers only then, as dockerd's does, so that a retry with the same name
   * finds it free.
   */
  async abandon(): Promise<void> {
    this.requests.end();
    await this.responses.next().catch(() => undefined);
  }

  /** The answer to the step just sent; a failed step ends the request side too (the call is over). */
  private async next(step: keyof Response): Promise<Response> {
    try {
      const { value, done } = await this.responses.next();
      // A stream that ends without the answer (container-config died) may or may not have done the step: an unknown outcome.
      if (done || value[step] === undefined) throw unavailable(`container-config ended the record stream without answering ${step}`);
      return value;
    } catch (err) {
      this.requests.end();
      throw err;
    }
  }
}
