import { writeFileSync } from "node:fs";
import { sampleImage } from "./sample-image.js";

/** `node tools/dist/sample-image/main.js OUT.tar [REFERENCE]`: writes the sample image archive. */
const [out, reference] = process.argv.slice(2);
if (!out) {
  process.stderr.write("usage: sample-image OUT.tar [REFERENCE (default slipway-sample:1)]\n");
  process.exit(2);
}
const image = sampleImage(reference);
writeFileSync(out, image.archive);
process.stdout.write(`${out}: ${image.reference} ${image.imageId} (${image.diffIds.length} layers)\n`);
