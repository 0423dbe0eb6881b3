import { readFile } from "node:fs/promises";
import http from "node:http";

/** A client for the live dockerd on /var/run/docker.sock: one kept-alive connection, raw bodies. */
export class Dockerd {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  readonly created: string[] = [];

  constructor(
    readonly socketPath = "/var/run/docker.sock",
    readonly dataRoot = "/var/lib/docker",
  ) {}

  request(method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> =
        body === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) };
      const req = http.request({ socketPath: this.socketPath, method, path, agent: this.agent, headers }, (res) => {
        let text = "";
        res
          .setEncoding("utf8")
          .on("data", (chunk: string) => (text += chunk))
          .on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", (err) => reject(new Error(`dockerd at ${this.socketPath} is required for these tests and did not answer: ${err.message}`)));
      req.end(body);
    });
  }

  /** POST /containers/create; remembers what it created for cleanup. */
  async create(body: string, name = "", apiVersion = "1.41"): Promise<{ status: number; message?: string; id?: string; warnings?: string[] }> {
    const res = await this.request("POST", `/v${apiVersion}/containers/create${name ? `?name=${encodeURIComponent(name)}` : ""}`, body);
    const json = JSON.parse(res.body) as { Id?: string; Warnings?: string[]; message?: string };
    if (res.status === 201) this.created.push(json.Id!);
    return { status: res.status, message: json.message, id: json.Id, warnings: json.Warnings };
  }

  /** The Names of a container in GET /containers/json. */
  async listNames(id: string): Promise<string[]> {
    const res = await this.request("GET", `/v1.41/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ id: [id] }))}`);
    return (JSON.parse(res.body) as { Names: string[] }[])[0]?.Names ?? [];
  }

  /** HostConfig.Links of GET /containers/{id}/json. */
  async inspectLinks(idOrName: string): Promise<string[]> {
    const res = await this.request("GET", `/v1.41/containers/${idOrName}/json`);
    return (JSON.parse(res.body) as { HostConfig: { Links: string[] | null } }).HostConfig.Links ?? [];
  }

  async files(id: string): Promise<{ configV2: string; hostConfig: string }> {
    const dir = `${this.dataRoot}/containers/${id}`;
    return { configV2: await readFile(`${dir}/config.v2.json`, "utf8"), hostConfig: await readFile(`${dir}/hostconfig.json`, "utf8") };
  }

  async imageId(ref: string): Promise<string> {
    const res = await this.request("GET", `/v1.41/images/${ref}/json`);
    if (res.status !== 200)
      throw new Error(`image ${ref} is missing in dockerd (${res.body.trim()}); build it with tools/golden/build-golden-image.sh`);
    return (JSON.parse(res.body) as { Id: string }).Id;
  }

  async imageConfig(imageId: string): Promise<Buffer> {
    return readFile(`${this.dataRoot}/image/overlay2/imagedb/content/sha256/${imageId.replace(/^sha256:/, "")}`);
  }

  /** Removes every container this client created, with its anonymous volumes, and the named volumes of the cases (slipway-diff-*). */
  async cleanup(): Promise<void> {
    for (const id of this.created.splice(0)) await this.request("DELETE", `/v1.41/containers/${id}?v=1&force=1`);
    const listed = await this.request("GET", `/v1.41/volumes?filters=${encodeURIComponent('{"name":["slipway-diff-"]}')}`);
    const { Volumes } = JSON.parse(listed.body) as { Volumes: { Name: string }[] | null };
    for (const { Name } of Volumes ?? []) await this.request("DELETE", `/v1.41/volumes/${Name}`);
    this.agent.destroy();
  }
}
