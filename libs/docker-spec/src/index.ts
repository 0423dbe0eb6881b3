export * from "./digest.js";
export * from "./ids.js";
export * from "./reference.js";
export * from "./units.js";
export * from "./json-message.js";
export * from "./go-path.js";
export * from "./go-json.js";
