import { Gauge, type Registry } from "prom-client";

/** What a store holds, each counted when scraped. */
export type HeldObjects = Partial<Record<HeldKind, () => number | Promise<number>>>;
export type HeldKind = "layers" | "rw_layers" | "images" | "containers" | "volumes";

const HELP: Record<HeldKind, string> = {
  layers: "Read-only image layers the layer store holds.",
  rw_layers: "Containers' RW layers (init and mount layers) the layer store holds.",
  images: "Images the image store holds.",
  containers: "Container records container-config holds.",
  volumes: "Volumes the layer store holds.",
};

/** A gauge slipway_<kind>_held per kind, read from the domain at scrape time: nothing runs per call. */
export function heldObjectGauges(registry: Registry, held: HeldObjects): void {
  for (const [kind, count] of Object.entries(held) as [HeldKind, () => number | Promise<number>][]) {
    new Gauge({
      name: `slipway_${kind}_held`,
      help: HELP[kind],
      registers: [registry],
      async collect() {
        this.set(await count());
      },
    });
  }
}
