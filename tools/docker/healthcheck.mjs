// @ts-check
// The image's HEALTHCHECK: finds which Slipway app this container runs (the node process started by
// entrypoint.sh) and asks it the way a client would: grpc.health.v1 Check for the gRPC apps (exit 0
// only when SERVING), GET /_ping on the socket for engine-api. Exit 1 otherwise, with one line why.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resolve } from "node:path";
import { bindEnvOf, certificatesFrom, checkHealth, DEFAULT_RUN_ROOT, defaultAddressOf, SERVICES } from "@slipway/grpc-kit";
import { pingEngineApi } from "../dist/stack/ping.js";

// Under the limit every deploy file gives a probe (15 s), so that a slow answer is reported as such rather
// than cut off by the runtime; a node starting on a loaded host takes seconds before it even asks.
const ANSWER_TIMEOUT_MS = 10_000;

/** @returns {string | undefined} the app named in some process's command line: node /app/apps/<app>/dist/main.js */
function runningApp() {
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const match = /\/apps\/([a-z-]+)\/dist\/main\.js/.exec(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
      if (match) return match[1];
    } catch {
      // the process exited while we looked
    }
  }
  return undefined;
}

/** A listen address as a local client reaches it: 0.0.0.0 / [::] become loopback. */
function localAddress(/** @type {string} */ bind) {
  return bind.replace(/^(0\.0\.0\.0|\[::\]):/, "127.0.0.1:");
}

/** @returns {Promise<string | undefined>} why the app is unhealthy, or undefined when healthy */
async function problem(/** @type {string} */ app) {
  if (app === "engine-api") {
    const socket = process.env.SLIPWAY_ENGINE_API_SOCKET ?? join(process.env.SLIPWAY_RUN_ROOT ?? DEFAULT_RUN_ROOT, "docker.sock");
    return (await pingEngineApi(socket, ANSWER_TIMEOUT_MS)) ? undefined : `engine-api: GET /_ping on ${socket} failed`;
  }
  if (!(app in SERVICES)) return `unknown app ${app}`;
  const name = /** @type {keyof typeof SERVICES} */ (app);
  const runRoot = resolve(process.env.SLIPWAY_RUN_ROOT ?? DEFAULT_RUN_ROOT);
  const bind = process.env[bindEnvOf(name)] || defaultAddressOf(name, runRoot);
  const address = localAddress(bind);
  // Over TCP the app checks itself with its own certificate (health is open to any caller that trusts the CA).
  const certificates = certificatesFrom(name, process.env.SLIPWAY_TLS_DIR, process.env);
  const status = await checkHealth(address, "", ANSWER_TIMEOUT_MS, { certificates, app: name }).catch((/** @type {Error} */ err) => err.message);
  certificates?.close();
  return status === "SERVING" ? undefined : `${app} at ${address}: health ${status}`;
}

const app = runningApp();
const why = app ? await problem(app) : "no Slipway app is running in this container";
if (why) console.error(why);
process.exit(why ? 1 : 0);
