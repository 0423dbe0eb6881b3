import type { Config } from "./model.js";

const envKey = (entry: string) => entry.split("=", 1)[0];
const isEmpty = (value: readonly unknown[] | Record<string, unknown> | null) =>
  value === null || (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);

/**
 * daemon/commit.go merge: the image config fills what the user left empty. Env by key (user order
 * first), ExposedPorts/Volumes/Labels as unions, Cmd and Entrypoint only when the user gave no
 * Entrypoint (a nil one inherits the image's, `[]` does not), the healthcheck field by field.
 */
export function mergeImageConfig(user: Config, image: Config): void {
  if (user.User === "") user.User = image.User;
  user.ExposedPorts = isEmpty(user.ExposedPorts) ? copyOf(image.ExposedPorts) : { ...image.ExposedPorts, ...user.ExposedPorts };
  if (isEmpty(user.Env)) user.Env = copyOf(image.Env);
  else {
    const keys = new Set(user.Env!.map(envKey));
    user.Env = [...user.Env!, ...(image.Env ?? []).filter((entry) => !keys.has(envKey(entry)))];
  }
  user.Labels = { ...image.Labels, ...user.Labels };
  if (isEmpty(user.Entrypoint)) {
    if (isEmpty(user.Cmd)) {
      user.Cmd = copyOf(image.Cmd);
      user.ArgsEscaped = image.ArgsEscaped;
    }
    if (user.Entrypoint === null) user.Entrypoint = copyOf(image.Entrypoint);
  }
  mergeHealthcheck(user, image);
  if (user.WorkingDir === "") user.WorkingDir = image.WorkingDir;
  user.Volumes = isEmpty(user.Volumes) ? copyOf(image.Volumes) : { ...user.Volumes, ...image.Volumes };
  if (user.StopSignal === "") user.StopSignal = image.StopSignal;
}

/** The merge never hands the image's own lists and sets to the container (a decoded image config is shared). */
function copyOf<T extends readonly unknown[] | Record<string, unknown> | null>(value: T): T {
  if (value === null) return value;
  return (Array.isArray(value) ? [...value] : { ...value }) as T;
}

function mergeHealthcheck(user: Config, image: Config): void {
  const from = image.Healthcheck;
  if (!from) return;
  const to = user.Healthcheck;
  if (!to) {
    user.Healthcheck = { ...from, Test: copyOf(from.Test) };
    return;
  }
  if (isEmpty(to.Test)) to.Test = copyOf(from.Test);
  if (to.Interval === 0) to.Interval = from.Interval;
  if (to.Timeout === 0) to.Timeout = from.Timeout;
  if (to.StartPeriod === 0) to.StartPeriod = from.StartPeriod;
  if (to.Retries === 0) to.Retries = from.Retries;
}

/** getEntrypointAndArgs: Path is the first of Entrypoint+Cmd, Args the rest (never nil). */
export function entrypointAndArgs(config: Config): { path: string; args: string[] } {
  const entrypoint = config.Entrypoint ?? [];
  const cmd = config.Cmd ?? [];
  if (entrypoint.length > 0) return { path: entrypoint[0]!, args: [...entrypoint.slice(1), ...cmd] };
  return { path: cmd[0] ?? "", args: cmd.slice(1) };
}
