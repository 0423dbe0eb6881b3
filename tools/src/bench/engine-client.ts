import { Agent, request } from "node:http";
import type { Readable } from "node:stream";

export interface EngineResponse {
  readonly status: number;
  readonly body: string;
}

interface RawResponse {
  readonly status: number;
  readonly chunks: Buffer[];
}

/**
 * A minimal Docker Engine API client over a unix socket with keep-alive, used identically against
 * dockerd and Slipway so that both sides pay the same client costs.
 */
export class EngineClient {
  private readonly agent: Agent;

  constructor(
    readonly socketPath: string,
    maxSockets = 16,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  async call(method: string, path: string, body?: string | Readable, contentType = "application/json"): Promise<EngineResponse> {
    const { status, chunks } = await this.exchange(method, path, body, contentType);
    return { status, body: Buffer.concat(chunks).toString("utf8") };
  }

  /** The response's status and body as received, resolved at its last byte (nothing decoded). */
  private exchange(method: string, path: string, body: string | Readable | undefined, contentType: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (typeof body === "string") Object.assign(headers, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
      else if (body) headers["Content-Type"] = contentType;
      const req = request({ socketPath: this.socketPath, agent: this.agent, method, path: `/v1.41${path}`, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve({ status: res.statusCode ?? 0, chunks }));
      });
      req.once("error", reject);
      if (typeof body === "string") req.end(body);
      else if (body) body.pipe(req);
      else req.end();
    });
  }

  /** POST /containers/create; throws on anything but 201. */
  async create(name: string, image: string): Promise<string> {
    const res = await this.call("POST", `/containers/create?name=${encodeURIComponent(name)}`, JSON.stringify({ Image: image }));
    if (res.status !== 201) throw new Error(`create ${name} on ${this.socketPath}: HTTP ${res.status} ${res.body.trim()}`);
    return (JSON.parse(res.body) as { Id: string }).Id;
  }

  async remove(idOrName: string): Promise<void> {
    const res = await this.call("DELETE", `/containers/${encodeURIComponent(idOrName)}?v=1&force=1`);
    if (res.status !== 204) throw new Error(`remove ${idOrName} on ${this.socketPath}: HTTP ${res.status} ${res.body.trim()}`);
  }

  /** GET /containers/json?all=1, the raw body; throws on anything but 200. */
  async listAllBody(): Promise<string> {
    const res = await this.call("GET", "/containers/json?all=1");
    if (res.status !== 200) throw new Error(`list on ${this.socketPath}: HTTP ${res.status} ${res.body.trim()}`);
    return res.body;
  }

  /** GET /containers/json?all=1 up to its last byte, undecoded: its length in bytes; throws on anything but 200. */
  async listAllBytes(): Promise<number> {
    const { status, chunks } = await this.exchange("GET", "/containers/json?all=1", undefined, "");
    if (status !== 200) throw new Error(`list on ${this.socketPath}: HTTP ${status} ${Buffer.concat(chunks).toString().trim()}`);
    return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** How many containers GET /containers/json?all=1 lists. */
  async listAll(): Promise<number> {
    return (JSON.parse(await this.listAllBody()) as unknown[]).length;
  }

  /** POST /images/load?quiet=1; resolves to the stream lines, throws when the stream reports an error. */
  async load(archive: Readable): Promise<string> {
    const res = await this.call("POST", "/images/load?quiet=1", archive, "application/x-tar");
    if (res.status !== 200 || res.body.includes('"error"')) {
      throw new Error(`load on ${this.socketPath}: HTTP ${res.status} ${res.body.trim()}`);
    }
    return res.body;
  }

  /** POST /images/create (docker pull); resolves to the progress stream, throws when it reports an error. */
  async pull(repository: string, tag: string): Promise<string> {
    const res = await this.call("POST", `/images/create?fromImage=${encodeURIComponent(repository)}&tag=${encodeURIComponent(tag)}`);
    if (res.status !== 200 || res.body.includes('"error"')) {
      throw new Error(`pull of ${repository}:${tag} on ${this.socketPath}: HTTP ${res.status} ${res.body.trim().split("\n").at(-1) ?? ""}`);
    }
    return res.body;
  }

  close(): void {
    this.agent.destroy();
  }
}
