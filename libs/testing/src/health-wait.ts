import type Dockerode from "dockerode";
import { checkHealth, type CertificateFiles } from "@slipway/grpc-kit";
import { IntervalRetry, type BoundPorts, type WaitStrategy } from "testcontainers";
import { DEPLOYMENT, type SlipwayApp } from "./deployment.js";
import { demuxDockerLogs } from "./docker-logs.js";
import { pingEngineApi } from "@slipway/throwaway-dockerd";

const LOOPBACK = "127.0.0.1";

/**
 * Waits until an app answers as a client would see it from the host, over its loopback-published
 * port and with mutual TLS (the given certificates; any the CA signed will do): grpc.health.v1 SERVING
 * for the gRPC apps, 200 on /_ping over HTTPS for engine-api. Fails at once, with the container's last
 * log lines, when the container stops running.
 */
export class AppHealthWait implements WaitStrategy {
  private startupTimeoutMs = 60_000;
  private startupTimeoutSet = false;

  constructor(
    private readonly app: SlipwayApp,
    private readonly certificates: CertificateFiles,
  ) {}

  async waitUntilReady(container: Dockerode.Container, boundPorts: BoundPorts): Promise<void> {
    const port = boundPorts.getBinding(DEPLOYMENT[this.app].port);
    let last = "not asked yet";
    const healthy = await new IntervalRetry<boolean, boolean>(100).retryUntil(
      async () => {
        await this.assertRunning(container);
        last = await this.probe(port);
        return last === "healthy";
      },
      (ok) => ok,
      () => false,
      this.startupTimeoutMs,
    );
    if (!healthy) throw new Error(`${this.app} was not healthy within ${this.startupTimeoutMs} ms on ${LOOPBACK}:${port}: ${last}`);
  }

  private async probe(port: number): Promise<string> {
    if (this.app === "engine-api") {
      const status = await pingEngineApi({ host: LOOPBACK, port, tls: this.certificates.certificates });
      return status === 200 ? "healthy" : `GET /_ping: ${status}`;
    }
    const tls = { certificates: this.certificates, app: this.app };
    const status = await checkHealth(`${LOOPBACK}:${port}`, "", 2_000, tls).catch((err: Error) => err.message);
    return status === "SERVING" ? "healthy" : `health: ${status}`;
  }

  private async assertRunning(container: Dockerode.Container): Promise<void> {
    const { State } = await container.inspect();
    if (State.Running) return;
    const logs = await container.logs({ stdout: true, stderr: true, tail: 20 });
    throw new Error(`${this.app} stopped (exit code ${State.ExitCode}) before it was healthy; its last log lines:\n${demuxDockerLogs(logs)}`);
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.startupTimeoutMs = startupTimeoutMs;
    this.startupTimeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.startupTimeoutSet;
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs;
  }
}
