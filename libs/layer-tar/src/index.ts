export { applyLayerTar, type AppliedLayer, type ApplyOptions } from "./apply.js";
export { directorySize } from "./directory-size.js";
export { InvalidLayerError } from "./errors.js";
export { exportLayerTar } from "./export.js";
export type { Logger } from "./extract.js";
export { isOpaqueDir, isWhiteout } from "./whiteout.js";
export { syncFilesystem } from "./sync.js";
export { removeTree } from "./remove-tree.js";
export { copyFileCapabilities, makeFifo, readFileCapabilities } from "./file-metadata.js";
