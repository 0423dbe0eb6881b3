import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { InProcessRegistry } from "@slipway/grpc-kit";
import { mainOf, STORES } from "./apps.js";

/**
 * npm start's one process (unless --split): the five apps' mains run here, each as it runs alone, with its
 * own gRPC server (or engine-api's socket) for every caller outside. They share one in-process registry,
 * owned here: calls between them skip the network. The stores start first (their recovery is the long
 * part), then the orchestrator, then engine-api, so that SIGTERM/SIGINT, which stops the apps last started
 * first, drains each before what it calls.
 */
const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
const inProcess = new InProcessRegistry();

interface AppMain {
  start(inProcess: InProcessRegistry): Promise<unknown>;
}

const start = (apps: readonly string[]) =>
  Promise.all(apps.map(async (app) => ((await import(pathToFileURL(mainOf(REPO_ROOT, app)).href)) as AppMain).start(inProcess)));

// The stores write modes exactly as dockerd does, which runs with umask 0: set for the whole process before any app starts.
process.umask(0);
await start(STORES);
await start(["orchestrator"]);
await start(["engine-api"]);
