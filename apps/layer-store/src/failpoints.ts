/**
 * Crash injection for tests: SLIPWAY_FAILPOINTS="register-layer:after-extract,..." makes the process
 * kill itself with SIGKILL when it reaches a named point, as a power cut would.
 */
export type Failpoint = (point: string) => void;

export function failpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Failpoint {
  const armed = new Set((env.SLIPWAY_FAILPOINTS ?? "").split(",").map((p) => p.trim()).filter(Boolean));
  if (armed.size === 0) return () => {};
  return (point) => {
    if (armed.has(point)) process.kill(process.pid, "SIGKILL");
  };
}
