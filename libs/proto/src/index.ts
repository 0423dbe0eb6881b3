// One namespace per proto package, so equal message names in two packages never collide.
export * as types from "./gen/slipway/types/v1/types.js";
export * as layerstore from "./gen/slipway/layerstore/v1/layer_store.js";
export * as imagestore from "./gen/slipway/imagestore/v1/image_store.js";
export * as containerconfig from "./gen/slipway/containerconfig/v1/container_config.js";
export * as orchestrator from "./gen/slipway/orchestrator/v1/orchestrator.js";
export { DESCRIPTOR_SET_BASE64 } from "./gen/descriptor_set.js";
