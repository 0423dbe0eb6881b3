import { rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * What a fault proxy does to the connections between a client and one service:
 * - pass: forwards both ways;
 * - delay: forwards every chunk `delayMs` late (a slow network);
 * - drop: cuts every open connection and closes new ones at once (the service unreachable);
 * - blackhole: accepts and swallows, never forwards or answers (a partition: calls wait for their deadline,
 *   and the connections it held are cut when it heals).
 * Switching to a mode applies to open connections too.
 */
export type FaultMode =
  { readonly kind: "pass" } | { readonly kind: "delay"; readonly delayMs: number } | { readonly kind: "drop" } | { readonly kind: "blackhole" };

const PASS: FaultMode = { kind: "pass" };

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

/** A byte proxy on a unix socket in front of a service's unix socket, with a fault mode that can change at any time. */
export class FaultProxy {
  private mode: FaultMode = PASS;
  private readonly pairs = new Set<Pair>();
  private readonly server: Server;

  private constructor(
    readonly socketPath: string,
    private readonly upstreamPath: string,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(socketPath: string, upstreamPath: string): Promise<FaultProxy> {
    rmSync(socketPath, { force: true });
    const proxy = new FaultProxy(socketPath, upstreamPath);
    await new Promise<void>((resolve) => proxy.server.listen(socketPath, resolve));
    return proxy;
  }

  /** Sets the mode; `reset` also cuts every open connection once (a reset in the middle of calls), then passes. */
  set(mode: FaultMode | { readonly kind: "reset" }): void {
    // A healed partition resets what it held, as TCP's timeouts would: the bytes it swallowed are gone.
    const cutOpen = mode.kind === "reset" || mode.kind === "drop" || this.mode.kind === "blackhole";
    if (cutOpen) for (const pair of this.pairs) this.cut(pair);
    this.mode = mode.kind === "reset" ? PASS : mode;
  }

  async stop(): Promise<void> {
    for (const pair of this.pairs) this.cut(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode.kind === "drop") return void client.destroy();
    const upstream = connect(this.upstreamPath);
    const pair = { client, upstream };
    this.pairs.add(pair);
    this.forward(client, upstream);
    this.forward(upstream, client);
    const end = () => this.cut(pair);
    client.once("close", end).once("error", end);
    upstream.once("close", end).once("error", end);
  }

  /**
   * Bytes from `from` go to `to` as the current mode says (looked up per chunk, so a switch applies at once),
   * in order: one queue per direction, so a chunk never overtakes one that a delay still holds.
   */
  private forward(from: Socket, to: Socket): void {
    const queue: { chunk: Buffer; at: number }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const drain = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0]!.at <= Date.now()) if (!to.destroyed) to.write(queue.shift()!.chunk);
      if (queue.length > 0) timer = setTimeout(drain, queue[0]!.at - Date.now());
    };
    from.on("data", (chunk: Buffer) => {
      const mode = this.mode;
      if (mode.kind === "blackhole") return;
      queue.push({ chunk, at: Date.now() + (mode.kind === "delay" ? mode.delayMs : 0) });
      if (timer === undefined) drain();
    });
  }

  private cut(pair: Pair): void {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
