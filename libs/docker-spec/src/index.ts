export * from "./digest.js";
export * from "./ids.js";
