import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const BUILD_SCRIPT = resolve(fileURLToPath(import.meta.url), "../../../../tools/golden/build-golden-image.sh");

/**
 * The golden image golden:1 as a docker-save archive, built and saved with the local dockerd once per
 * machine. Throws (the test fails, it does not skip) when Docker is missing.
 */
export function goldenArchive(): string {
  const path = join(tmpdir(), "slipway-golden-1.tar");
  if (!existsSync(path)) execFileSync("bash", [BUILD_SCRIPT, path], { stdio: "inherit" });
  return path;
}
