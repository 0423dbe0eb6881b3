import { containerconfig, imagestore, layerstore, orchestrator } from "@slipway/proto";
import { withChunkCodec } from "./chunk-codec.js";

/*
 * The definitions Slipway's servers and clients use for its four services: the generated ones, with the
 * byte streams' chunks encoded without ts-proto's copies (the bytes on the wire are the same). Defined once
 * here, so that every server and client of a service gets the same codecs.
 */

/**
 * Layer tars stream in (RegisterLayer) and out (ExportLayer), containers' root filesystems out
 * (ExportContainerLayer), and `docker cp`'s tars out of and into containers (ReadContainerPath, WriteContainerPath).
 */
export const layerStoreDefinition = withChunkCodec(
  withChunkCodec(
    withChunkCodec(
      withChunkCodec(withChunkCodec(layerstore.LayerStoreServiceService, "registerLayer", "request"), "exportLayer"),
      "exportContainerLayer",
    ),
    "readContainerPath",
  ),
  "writeContainerPath",
  "request",
);

/** Image archives stream in (LoadImages) and out (SaveImages). */
export const imageStoreDefinition = withChunkCodec(withChunkCodec(imagestore.ImageStoreServiceService, "loadImages", "request"), "saveImages");

/** `docker ps`'s JSON streams out in chunks (ListContainersJson). */
export const containerConfigDefinition = withChunkCodec(containerconfig.ContainerConfigServiceService, "listContainersJson");

/** The same list, passed through chunk by chunk, a container's exported root filesystem, and `docker cp`'s tars. */
export const orchestratorDefinition = withChunkCodec(
  withChunkCodec(
    withChunkCodec(withChunkCodec(orchestrator.OrchestratorServiceService, "listContainersJson"), "exportContainer"),
    "readContainerPath",
  ),
  "writeContainerPath",
  "request",
);
