import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository this lib sits in (libs/testing/dist -> repo root). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** The tag SlipwayStack builds and reuses. */
export const DEFAULT_IMAGE = "slipway/slipway:e2e";
/** The base built offline from the host's node (tools/docker/make-node-base-image.sh). */
export const OFFLINE_BASE_IMAGE = "local/node:20";

export interface BuildImageOptions {
  readonly tag?: string;
  /** The Dockerfile's BASE_IMAGE; default $SLIPWAY_BASE_IMAGE, else the offline local/node:20 (built when missing). */
  readonly baseImage?: string;
}

/**
 * Builds the runtime image with tools/docker/build-image.sh (the same script as `npm run docker:build`):
 * the built apps staged with production dependencies, the repo's Dockerfile, the classic builder.
 * The apps must be built (npm run build). The image stays in the engine and is reused by its tag.
 */
export async function buildSlipwayImage(options: BuildImageOptions = {}): Promise<string> {
  const tag = options.tag ?? DEFAULT_IMAGE;
  const baseImage = options.baseImage ?? process.env.SLIPWAY_BASE_IMAGE ?? OFFLINE_BASE_IMAGE;
  try {
    await run("bash", [join(REPO_ROOT, "tools/docker/build-image.sh"), tag, baseImage], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const { stderr = "", stdout = "" } = err as { stderr?: string; stdout?: string };
    throw new Error(`building ${tag} failed: ${(stderr || stdout).trim() || String(err)}`, { cause: err });
  }
  return tag;
}
