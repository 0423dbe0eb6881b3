import { isOpaqueDir } from "@slipway/layer-tar";
import { lstatIfExists, type MergedEntry } from "./merged-view.js";

/** The root directory of the merged view of a diff/ stack (uppermost first): every layer down to the first opaque one. */
export function mergedRoot(stack: readonly string[]): MergedEntry {
  const opaque = stack.findIndex((root) => isOpaqueDir(root));
  const layers = opaque < 0 ? stack : stack.slice(0, opaque + 1);
  return { path: stack[0]!, stats: lstatIfExists(stack[0]!)!, layers };
}
