// Test support for the registry protocol, shared with the apps' tests ("@slipway/registry-client/testing").
export { htpasswdEntry, startRegistry, type TestRegistry, type TestRegistryOptions } from "./registry.js";
export { startTokenServer, type TokenRequest, type TokenServer } from "./token-server.js";
