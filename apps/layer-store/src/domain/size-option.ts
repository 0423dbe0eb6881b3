import { ramInBytes } from "@slipway/docker-spec";
import { internal } from "@slipway/errors";

/** A size option read with units.RAMInBytes, as dockerd's drivers read one: its error passed on unclassified (a 500). */
export function parseSizeOption(text: string): number {
  try {
    return ramInBytes(text);
  } catch (err) {
    throw internal((err as Error).message);
  }
}
