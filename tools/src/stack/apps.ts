import { join } from "node:path";
import type { ServiceName } from "@slipway/grpc-kit";

export const GRPC_APPS: readonly ServiceName[] = ["layer-store", "image-store", "container-config", "orchestrator"];
export const STORES: readonly ServiceName[] = GRPC_APPS.filter((app) => app !== "orchestrator");
/** The process that hosts all five apps (npm start without --split). */
export const HOST = "slipway";

export function mainOf(repoRoot: string, app: string): string {
  return app === HOST ? join(repoRoot, "tools", "dist", "stack", "host.js") : join(repoRoot, "apps", app, "dist", "main.js");
}

/**
 * glibc malloc settings every app runs with (npm start here, ENV in the Dockerfile): the 1 MiB
 * buffers a load or a large list passes through stay in malloc's heap and are reused, instead of
 * being mmap'ed, page-faulted in and unmapped again for every message (docs/benchmarks.md has the
 * figures). Memory freed after a peak stays resident up to the trim threshold: 32 MiB keeps a pull's
 * peak RSS under 200 MB at the same rate as with 128. One arena: the buffers freed by the thread pool's
 * jobs (gunzip, the batches) are then reused by the main thread rather than kept in a per-thread arena
 * (a pull's peak RSS 176-180 MiB instead of 189-225, at the same rate). A value already in the
 * environment wins.
 */
export const MALLOC_TUNING: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(16 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_ARENA_MAX: "1",
};

/**
 * V8 flags every app process runs with (npm start here, the image's entrypoint): they cannot be set from
 * NODE_OPTIONS or at run time. Without V8's memory reducer: once a process has been idle, the reducer's
 * collections leave the heap's limits so tight that the next load or pull collects again and again
 * (docs/benchmarks.md, "V8's memory reducer and the loads after an idle spell").
 */
export const NODE_FLAGS: readonly string[] = ["--no-memory-reducer"];
