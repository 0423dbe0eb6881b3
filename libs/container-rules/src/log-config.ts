import { badRequest, type HostConfig } from "./model.js";

const DEFAULT_DRIVER = "json-file";
/** Log drivers a stock Debian dockerd 20.10 registers, with the options each accepts (undefined: not checked). */
const DRIVERS: Record<string, readonly string[] | undefined> = {
  "json-file": ["max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"],
  none: undefined,
  local: undefined,
  syslog: undefined,
  journald: undefined,
  gelf: undefined,
  fluentd: undefined,
  awslogs: undefined,
  splunk: undefined,
  gcplogs: undefined,
  logentries: undefined,
};
const BUILT_IN = new Set(["mode", "max-buffer-size"]);

/** mergeAndVerifyLogConfig: the daemon's default driver, `{}` options, then the driver's option check. */
export function mergeLogConfig(host: HostConfig): void {
  const log = host.LogConfig;
  if (log.Type === "") log.Type = DEFAULT_DRIVER;
  log.Config ??= {};
  if (log.Type === "none") return;
  const mode = log.Config["mode"] ?? "";
  if (!["", "blocking", "non-blocking"].includes(mode)) throw badRequest(`logger: logging mode not supported: ${mode}`);
  if (!(log.Type in DRIVERS)) throw badRequest(`error looking up logging plugin ${log.Type}: plugin ${JSON.stringify(log.Type)} not found`);
  const allowed = DRIVERS[log.Type];
  for (const key of Object.keys(log.Config)) {
    if (allowed && !BUILT_IN.has(key) && !allowed.includes(key)) throw badRequest(`unknown log opt '${key}' for ${log.Type} log driver`);
  }
}
