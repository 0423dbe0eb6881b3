export * from "./errors.js";
export * from "./system-errors.js";
