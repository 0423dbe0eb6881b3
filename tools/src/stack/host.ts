import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { enableInProcessCalls } from "@slipway/grpc-kit";
import { mainOf, STORES } from "./apps.js";

/**
 * npm start's one process (unless --split): the five apps' mains run here, each as it runs alone, with its
 * own gRPC server (or engine-api's socket) for every caller outside. Calls between them skip the network.
 * The stores start first (their recovery is the long part), then the orchestrator, then engine-api, so
 * that SIGTERM/SIGINT, which stops the apps last started first, drains each before what it calls.
 */
const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
const start = (apps: readonly string[]) => Promise.all(apps.map((app) => import(pathToFileURL(mainOf(REPO_ROOT, app)).href)));

enableInProcessCalls();
await start(STORES);
await start(["orchestrator"]);
await start(["engine-api"]);
