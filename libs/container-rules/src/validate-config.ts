import { ENGINE } from "./engine-target.js";
import { cleanPath } from "@slipway/docker-spec";
import { badRequest, type Config } from "./model.js";
import { validateSignal } from "./signals.js";

const MILLISECOND = 1_000_000;

/** validateContainerConfig: working dir (made clean), stop signal, env entries, healthcheck intervals. */
export function validateContainerConfig(config: Config): void {
  if (config.WorkingDir !== "") {
    if (!config.WorkingDir.startsWith("/")) {
      throw badRequest(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
    }
    config.WorkingDir = cleanPath(config.WorkingDir);
  }
  if (config.StopSignal !== "") validateSignal(config.StopSignal);
  if (ENGINE.rejectsLongHostname && Buffer.byteLength(config.Hostname) > 64) {
    throw badRequest(`hostname ${JSON.stringify(config.Hostname)} is too long (maximum 64 bytes)`);
  }
  for (const entry of config.Env ?? []) {
    if (entry.split("=", 1)[0] === "") throw badRequest(`invalid environment variable: ${entry}`);
  }
  validateHealthcheck(config);
}

function validateHealthcheck({ Healthcheck: health }: Config): void {
  if (!health) return;
  const tooShort = (value: number) => value !== 0 && value < MILLISECOND;
  if (tooShort(health.Interval)) throw badRequest("Interval in Healthcheck cannot be less than 1ms");
  if (tooShort(health.Timeout)) throw badRequest("Timeout in Healthcheck cannot be less than 1ms");
  if (health.Retries < 0) throw badRequest("Retries in Healthcheck cannot be negative");
  if (tooShort(health.StartPeriod)) throw badRequest("StartPeriod in Healthcheck cannot be less than 1ms");
}
