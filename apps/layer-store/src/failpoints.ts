/**
 * Crash injection for tests: SLIPWAY_FAILPOINTS="register-layer:after-extract,..." makes the process
 * kill itself with SIGKILL when it reaches a named point, as a power cut would.
 */
export interface Failpoint {
  (point: string): void;
  /** Whether a crash is armed at `point`: a step that batches its writes applies them first, so the crash finds them on disk. */
  armed(point: string): boolean;
}

export function failpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Failpoint {
  const armed = new Set(
    (env.SLIPWAY_FAILPOINTS ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean),
  );
  const hit = (point: string) => {
    if (armed.has(point)) process.kill(process.pid, "SIGKILL");
  };
  return Object.assign(hit, { armed: (point: string) => armed.has(point) });
}
