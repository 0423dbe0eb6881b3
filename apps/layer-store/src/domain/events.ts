import { EventLog } from "@slipway/docker-spec";
import { resourceExhausted } from "@slipway/errors";

/** Only dockerd's local driver exists here. */
const LOCAL_DRIVER = { driver: "local" };

/**
 * layer-store's part of `docker events`: volumes created (named or anonymous, and again for one that already
 * existed, as dockerd's volume service logs every create it answers) and destroyed, with their driver.
 */
export class VolumeEvents {
  readonly log = new EventLog({ fellBehind: resourceExhausted });

  created(name: string): void {
    this.log.publish("volume", "create", name, LOCAL_DRIVER);
  }

  destroyed(name: string): void {
    this.log.publish("volume", "destroy", name, LOCAL_DRIVER);
  }
}
