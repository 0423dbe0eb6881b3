import { dirname, join } from "node:path";
import { syncWriter, type FsBatch, type FsWriter } from "@slipway/durable-fs";
import { BoundedMap } from "./bounded-map.js";
import { applyUpperStep, lookupMerged, mkdirMerged, stepRecorder, type UpperStep } from "./merged-view.js";

type InitEntry = { readonly path: string } & ({ readonly kind: "dir" | "file" } | { readonly kind: "symlink"; readonly target: string });

/** What dockerd's initlayer.Setup puts in every container's init layer. */
const INIT_ENTRIES: readonly InitEntry[] = [
  { path: "dev/pts", kind: "dir" },
  { path: "dev/shm", kind: "dir" },
  { path: "proc", kind: "dir" },
  { path: "sys", kind: "dir" },
  { path: ".dockerenv", kind: "file" },
  { path: "etc/resolv.conf", kind: "file" },
  { path: "etc/hosts", kind: "file" },
  { path: "etc/hostname", kind: "file" },
  { path: "dev/console", kind: "file" },
  { path: "etc/mtab", kind: "symlink", target: "/proc/mounts" },
];

/** One change to an init layer's diff/, by path relative to it. */
type InitStep =
  UpperStep | { readonly op: "file"; readonly path: string } | { readonly op: "symlink"; readonly path: string; readonly target: string };

/**
 * Fills init layers' diff/ with what dockerd's Setup leaves in the upper directory of the mounted
 * init layer: a path that is a real directory in the image is left alone; anything else is (re)made:
 * directories 0755, empty files 0755, etc/mtab → /proc/mounts. Parent directories that the image has
 * are copied up with the image's mode and owner, as the kernel does when a child is created in them.
 */
export class InitLayerBuilder {
  /**
   * The steps that built the init layer on each stack of image layers. Committed layers never change,
   * so every container of an image gets the same init layer: the lookups in the image (dozens of lstat
   * calls) are made once per image, not once per container.
   */
  private readonly stepsByImageLayers = new BoundedMap<string, readonly InitStep[]>(512);

  /**
   * The writes join `batch` (which makes `upper`); only the first init layer of an image applies the batch
   * and is worked out against the disk, with the lookups merged-view.ts makes.
   */
  async build(upper: string, imageLayers: readonly string[], batch: FsBatch): Promise<void> {
    const key = imageLayers.join("\n");
    const known = this.stepsByImageLayers.get(key);
    if (known) return known.forEach((step) => applyStep(batch, upper, step));
    await batch.apply();
    const steps: InitStep[] = [];
    const record = (step: InitStep) => (applyStep(syncWriter, upper, step), steps.push(step));
    const writer = stepRecorder(record);
    for (const entry of INIT_ENTRIES) {
      const existing = lookupMerged([upper, ...imageLayers], entry.path);
      if (existing?.stats.isDirectory()) continue;
      mkdirMerged(upper, imageLayers, dirname(entry.path), { replaceNonDirectories: true }, writer);
      if (entry.kind === "dir") writer.mkdir(entry.path, 0o755);
      else record(entry.kind === "symlink" ? { op: "symlink", path: entry.path, target: entry.target } : { op: "file", path: entry.path });
    }
    this.stepsByImageLayers.set(key, steps);
  }
}

function applyStep(fs: FsWriter, upper: string, step: InitStep): void {
  if (step.op === "symlink") fs.symlink(step.target, join(upper, step.path));
  else if (step.op === "file") fs.writeFile(join(upper, step.path), "", 0o755, { exclusive: true });
  else applyUpperStep(fs, upper, step);
}
