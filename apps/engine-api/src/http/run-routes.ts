import type { ServerResponse } from "node:http";
import { invalidArgument, isNotFound } from "@slipway/errors";
import type { Backends } from "../backends.js";
import { httpErrorOf } from "./errors.js";
import { sendError, sendJson } from "./responses.js";
import type { Route } from "./router.js";

/**
 * The exit code a wait reports for a container whose start was refused, as dockerd records for a start that
 * failed (State.ExitCode 128, status still "created").
 */
export const START_REFUSED_EXIT_CODE = 128;

/** How often a held wait checks whether its container is gone (removed elsewhere: another engine-api, `slipway rm`). */
const WAIT_RECHECK_MS = 1_000;

/** Where to start the containers Slipway made (no path: error bodies never show the data root). */
const DOCKERD_HINT =
  "stop Slipway and start it with a stock dockerd on the same data root " +
  "(dockerd --data-root <the data root `docker info` reports (DockerRootDir)>)";

/** What `docker run` and `docker start` print: the container exists, Slipway does not start it, and what to do. */
export function startRefusedMessage(id: string, autoRemoved: "no" | "removed" | { failed: string }): string {
  const short = id.slice(0, 12);
  if (autoRemoved === "no") {
    return `Slipway created container ${short} but does not start containers: ${DOCKERD_HINT}, which lists it as Created (see Slipway's README)`;
  }
  const removal =
    autoRemoved === "removed"
      ? "so it removed it and its anonymous volumes, as --rm asks"
      : `and removing it, as --rm asks, failed (${autoRemoved.failed}); remove it with docker rm -v ${short}`;
  return (
    `Slipway created container ${short} but does not start containers, ${removal}. To run it, ` +
    `${DOCKERD_HINT.replace("start it with", "start")} and run it there (see Slipway's README)`
  );
}

type HeldCondition = "next-exit" | "removed";

/**
 * Waits held open (`condition=next-exit` or `removed`) per container ID. Both end when the container is
 * removed: through engine-api (a refused start of an --rm container, `docker rm`) at once, or found gone by
 * their periodic check. A refused start also ends the `next-exit` waits: that start attempt is over (dockerd
 * records exit code 128 for a start that failed). Otherwise they end when the client goes away.
 */
export class HeldWaits {
  private readonly byId = new Map<string, Set<Held>>();

  hold(id: string, held: Held): () => void {
    const set = this.byId.get(id) ?? new Set();
    set.add(held);
    this.byId.set(id, set);
    return () => {
      set.delete(held);
      if (set.size === 0 && this.byId.get(id) === set) this.byId.delete(id);
    };
  }

  /**
   * The waits on a container with one of these conditions answer with this exit code; resolves once their
   * bodies are handed to the connection (so that they reach the CLI before the answer that follows).
   */
  async end(id: string, exitCode: number, conditions: readonly HeldCondition[]): Promise<void> {
    const ending = [...(this.byId.get(id) ?? [])].filter((held) => conditions.includes(held.condition));
    await Promise.all(ending.map((held) => held.end(exitCode)));
  }

  /** Something was removed by a name or short ID: every held wait checks its container now. */
  recheck(): void {
    for (const set of [...this.byId.values()]) for (const held of [...set]) held.check();
  }
}

interface Held {
  readonly condition: HeldCondition;
  end(exitCode: number): Promise<void>;
  check(): void;
}

interface ContainerFacts {
  readonly id: string;
  readonly autoRemove: boolean;
  readonly exitCode: number;
}

/**
 * The calls `docker run` and `docker start` make after the create: attach (a hijacked connection), wait and
 * start. Slipway prepares containers and never starts them, so:
 * - attach upgrades the connection (as dockerd does, so that the CLI goes on to start) and closes it: there
 *   is no output to stream;
 * - wait answers `not-running` at once (a Slipway container never runs) and holds `next-exit` and `removed`
 *   open (headers sent, as dockerd does) until the container is removed or the client leaves;
 * - start is refused with one message the CLI prints as it is: the container exists, Slipway does not start
 *   it, and how a stock dockerd on the same data root does. A container created with --rm (AutoRemove) is
 *   removed first, with its anonymous volumes, as dockerd removes one whose start failed.
 */
export function runRoutes({ orchestrator }: Backends, waits: HeldWaits, hiddenPaths: readonly string[]): Route[] {
  const facts = async (idOrName: string): Promise<ContainerFacts> => {
    const { inspectJson } = await orchestrator.inspectContainer({ idOrName, size: false });
    const doc = JSON.parse(inspectJson.toString()) as { Id: string; HostConfig?: { AutoRemove?: boolean }; State?: { ExitCode?: number } };
    return { id: doc.Id, autoRemove: doc.HostConfig?.AutoRemove === true, exitCode: doc.State?.ExitCode ?? 0 };
  };
  const isGone = async (id: string): Promise<boolean> => {
    try {
      await orchestrator.inspectContainer({ idOrName: id, size: false });
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  };

  return [
    {
      method: "POST",
      pattern: /^\/containers\/(?<id>[^/]+)\/attach$/,
      async handle({ res, params, upgrade }) {
        await facts(params.id!); // dockerd's 404 before any upgrade
        if (upgrade) {
          // dockerd's hijack answer (API 1.41: always the raw-stream type), then the end of the stream.
          const socket = upgrade();
          socket.end("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
          return;
        }
        res.shouldKeepAlive = false;
        res.writeHead(200, { "Content-Type": "application/vnd.docker.raw-stream" });
        res.end();
      },
    },
    {
      method: "POST",
      pattern: /^\/containers\/(?<id>[^/]+)\/wait$/,
      async handle({ res, params, query }) {
        const condition = query.get("condition") || "not-running";
        if (!["not-running", "next-exit", "removed"].includes(condition)) throw invalidArgument(`invalid condition: "${condition}"`);
        const container = await facts(params.id!);
        if (condition === "not-running") return sendJson(res, 200, waitBody(container.exitCode));
        holdWait(res, container, condition as HeldCondition, waits, isGone);
      },
    },
    {
      method: "POST",
      pattern: /^\/containers\/(?<id>[^/]+)\/start$/,
      async handle({ res, params }) {
        const container = await facts(params.id!);
        let autoRemoved: Parameters<typeof startRefusedMessage>[1] = "no";
        if (container.autoRemove) {
          try {
            // dockerd's removal after a failed start of an AutoRemove container: forced, with anonymous volumes.
            await orchestrator.removeContainer({ idOrName: container.id, removeVolumes: true, force: true });
            autoRemoved = "removed";
          } catch (err) {
            autoRemoved = { failed: httpErrorOf(err, hiddenPaths).message };
          }
        }
        // The waits first: the 20.10 CLI cancels its wait when the start fails and logs "error waiting for
        // container: context canceled" unless the wait's answer is already there.
        await waits.end(container.id, START_REFUSED_EXIT_CODE, autoRemoved === "removed" ? ["next-exit", "removed"] : ["next-exit"]);
        sendError(res, 501, startRefusedMessage(container.id, autoRemoved));
      },
    },
  ];
}

/** dockerd's wait body (Go's field order; Error null: the CLI would log any message as a second line). */
function waitBody(exitCode: number) {
  return { Error: null, StatusCode: exitCode };
}

/**
 * The status line and headers now (the CLI's ContainerWait returns once they arrive, before it starts the
 * container), the body when the container is gone.
 */
function holdWait(
  res: ServerResponse,
  container: ContainerFacts,
  condition: HeldCondition,
  waits: HeldWaits,
  isGone: (id: string) => Promise<boolean>,
): void {
  let checking = false;
  const held: Held = {
    condition,
    end(exitCode) {
      stop();
      if (res.writableEnded || res.destroyed) return Promise.resolve();
      return new Promise((resolve) => {
        res.once("close", resolve);
        res.end(`${JSON.stringify(waitBody(exitCode))}\n`, resolve);
      });
    },
    check() {
      if (checking || res.writableEnded) return;
      checking = true;
      isGone(container.id).then(
        (gone) => ((checking = false), gone && void held.end(container.exitCode)),
        () => (checking = false),
      );
    },
  };
  const release = waits.hold(container.id, held);
  const timer = setInterval(() => held.check(), WAIT_RECHECK_MS);
  const stop = () => (clearInterval(timer), release());
  res.once("close", stop);
  res.writeHead(200, { "Content-Type": "application/json" });
  res.flushHeaders();
}
