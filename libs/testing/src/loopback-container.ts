import { GenericContainer } from "testcontainers";

/**
 * A GenericContainer whose ports are published on 127.0.0.1 only, at a fixed host port: nothing is
 * reachable from other hosts, and a restarted container keeps its port, so clients keep working.
 */
export class LoopbackContainer extends GenericContainer {
  withLoopbackPort(containerPort: number, hostPort: number): this {
    this.withExposedPorts({ container: containerPort, host: hostPort });
    this.hostConfig.PortBindings = {
      ...this.hostConfig.PortBindings,
      [`${containerPort}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: String(hostPort) }],
    };
    return this;
  }
}
