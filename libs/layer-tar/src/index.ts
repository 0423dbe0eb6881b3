export { applyLayerTar, type AppliedLayer, type ApplyOptions } from "./apply.js";
export { directorySize } from "./directory-size.js";
export { InvalidLayerError } from "./errors.js";
export { exportLayerTar } from "./export.js";
export type { Logger } from "./extract.js";
export { isOpaqueDir, isWhiteout } from "./whiteout.js";
export { copyFileCapabilities, makeFifo, readFileCapabilities } from "./file-metadata.js";
export { encodeTarHeader, tarPadding, tarTrailer, type TarHeaderFields } from "./tar-writer.js";
export { archiveHeaderBlocks, type ArchiveEntry } from "./archive-header.js";
