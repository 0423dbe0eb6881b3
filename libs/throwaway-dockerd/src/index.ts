export { pingEngineApi, type EngineApiClientTls, type EngineApiTarget } from "./engine-api-ping.js";
export { freeTcpPort, startSecondDockerd, SWARM_GATEWAY_BRIDGE, type SecondDockerd, type SecondDockerdOptions } from "./second-dockerd.js";
