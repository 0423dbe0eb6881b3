// What one call between two of Slipway's processes costs, each way its apps can make it: framed, and gRPC over
// HTTP/2 (the same server with its framed socket removed, so that the client falls back to gRPC). A child
// process serves a layer-store stand-in with grpc-kit's startService; this process calls GetLayer through
// grpc-kit's createClient, 8 calls in flight, after a warm-up. Prints calls per second and the CPU of each side
// per call. Run it with `npm run bench:calls` (a measurement, not a test).
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, createLogger, service, startService, unimplementedHandlers } from "@slipway/grpc-kit";
import { layerstore } from "@slipway/proto";

const LAYER = { chainId: "sha256:aa", diffId: "sha256:bb", parentChainId: "", cacheId: "c", size: 1, referenceCount: 1, depth: 1 };
const WARM_UP = 3_000;
const CALLS = 20_000;
const IN_FLIGHT = 8;
const TRANSPORTS = ["framed", "gRPC over HTTP/2"] as const;

async function serve(socketPath: string): Promise<void> {
  const handlers = { ...unimplementedHandlers(layerstore.LayerStoreServiceService, "call-cost"), getLayer: async () => ({ layer: LAYER }) };
  await startService({
    name: "call-cost",
    bind: `unix:${socketPath}`,
    logger: createLogger("call-cost", "warn"),
    services: [service(layerstore.LayerStoreServiceService, handlers)],
  });
  process.send!("serving");
}

/** User + system CPU of a process in ms, from /proc (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function measure(transport: (typeof TRANSPORTS)[number], dir: string): Promise<Record<string, string | number>> {
  const socketPath = join(dir, `${transport === "framed" ? "framed" : "http2"}.sock`);
  const server: ChildProcess = fork(fileURLToPath(import.meta.url), ["serve", socketPath]);
  try {
    await new Promise((resolve, reject) => server.once("message", resolve).once("exit", reject));
    if (transport !== "framed") unlinkSync(socketPath.replace(/\.sock$/, ".framed.sock"));
    const client = createClient(layerstore.LayerStoreServiceService, `unix:${socketPath}`, { name: "call-cost" });
    for (let i = 0; i < WARM_UP; i++) await client.getLayer({ chainId: "x" });
    const clientBefore = process.cpuUsage();
    const serverBefore = cpuMsOf(server.pid!);
    const started = performance.now();
    let issued = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (issued++ < CALLS) await client.getLayer({ chainId: "x" });
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const clientCpu = process.cpuUsage(clientBefore);
    const serverMs = cpuMsOf(server.pid!) - serverBefore;
    client.close();
    const perCall = (ms: number) => Math.round((ms * 1000) / CALLS);
    return {
      transport,
      "calls/s": Math.round(CALLS / seconds),
      "client CPU µs/call": perCall((clientCpu.user + clientCpu.system) / 1000),
      "server CPU µs/call": perCall(serverMs),
    };
  } finally {
    server.kill();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === "serve") return serve(process.argv[3]!);
  const dir = mkdtempSync(join(tmpdir(), "slipway-call-cost-"));
  try {
    const rows = [];
    for (const transport of TRANSPORTS) rows.push(await measure(transport, dir));
    console.table(rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
