import { execFileSync } from "node:child_process";
import { createReadStream, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sampleImage } from "../sample-image/sample-image.js";
import type { Engine } from "./engines.js";
import { log } from "./log.js";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
const GOLDEN = "golden:1";
const SAMPLE_IMAGE = "slipway-sample:1";

/** The image every create uses, and a docker-save archive of it for the engines that do not have it yet. */
export interface CreateImage {
  readonly name: string;
  readonly archive: string;
}

/**
 * golden:1, built by the Docker engine being compared (which then has it) and saved for the others, so
 * every engine creates from the same image. Without an engine there is nothing to build it with, and
 * Slipway alone creates from the generated sample image (also layers and a VOLUME).
 */
export function prepareCreateImage(withDocker: boolean, scratch: string): CreateImage {
  if (!withDocker) {
    log(`no Docker engine to build ${GOLDEN} with: creating from the generated sample image ${SAMPLE_IMAGE}`);
    const archive = join(scratch, "sample.tar");
    writeFileSync(archive, sampleImage(SAMPLE_IMAGE).archive);
    return { name: SAMPLE_IMAGE, archive };
  }
  const archive = join(scratch, "golden.tar");
  execFileSync("bash", [join(REPO_ROOT, "tools/golden/build-golden-image.sh"), archive], { stdio: "inherit" });
  return { name: GOLDEN, archive };
}

export async function loadCreateImage(engine: Engine, image: CreateImage): Promise<void> {
  await engine.client.load(createReadStream(image.archive));
}
