import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Vitest global setup of every project: the run's temp files go into one scratch directory that is removed
 * when the run ends, so a test that fails before its own clean-up (or a process it started that outlives it)
 * leaves nothing behind in /tmp. Test workers are started after this runs and inherit TMPDIR. The directory
 * is open to all, like /tmp itself, for the tests that act as an unprivileged user.
 */
export default function setup(): () => void {
  const scratch = mkdtempSync(join(tmpdir(), "slipway-test-"));
  chmodSync(scratch, 0o1777);
  process.env.TMPDIR = scratch;
  return () => rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
}
