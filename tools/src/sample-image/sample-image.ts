import { sha256Digest } from "@slipway/docker-spec";
import { TarWriter } from "@slipway/layer-tar/testing";

/** One entry of a generated tar. */
type TarEntry =
  | { readonly type: "dir"; readonly path: string; readonly mode: number }
  | { readonly type: "file"; readonly path: string; readonly mode: number; readonly content: Buffer | string }
  | { readonly type: "symlink"; readonly path: string; readonly target: string };

/** The fixed creation time of the sample image: same bytes, same image ID, on every run. */
const CREATED = new Date("2026-01-01T00:00:00Z");

/** A ustar archive owned by root with one fixed mtime, so its bytes (and the layer's diffID) never change. */
function tarArchive(entries: readonly TarEntry[]): Buffer {
  const writer = new TarWriter();
  const mtime = CREATED.getTime() / 1000;
  for (const entry of entries) {
    if (entry.type === "dir") writer.dir(`${entry.path}/`, { mode: entry.mode, mtime });
    else if (entry.type === "file") writer.file(entry.path, entry.content, { mode: entry.mode, mtime });
    else writer.symlink(entry.path, entry.target, { mtime });
  }
  return writer.end();
}

/** One layer: what a Dockerfile step would have added, and the step. */
interface SampleLayer {
  readonly createdBy: string;
  readonly entries: readonly TarEntry[];
}

const LAYERS: readonly SampleLayer[] = [
  {
    createdBy: "ADD rootfs / (a tiny text-only root filesystem)",
    entries: [
      { type: "dir", path: "bin", mode: 0o755 },
      { type: "file", path: "bin/hello", mode: 0o755, content: '#!/bin/sh\necho "$GREETING"\n' },
      { type: "dir", path: "etc", mode: 0o755 },
      { type: "file", path: "etc/os-release", mode: 0o644, content: 'NAME="Slipway sample"\nID=slipway-sample\n' },
      { type: "symlink", path: "etc/motd", target: "os-release" },
      { type: "dir", path: "tmp", mode: 0o1777 },
    ],
  },
  {
    createdBy: "WORKDIR /srv/app",
    entries: [
      { type: "dir", path: "srv", mode: 0o755 },
      { type: "dir", path: "srv/app", mode: 0o755 },
    ],
  },
  {
    createdBy: "COPY hello.txt seed.txt (the app, and the data the /data volume starts with)",
    entries: [
      { type: "dir", path: "srv", mode: 0o755 },
      { type: "dir", path: "srv/app", mode: 0o755 },
      { type: "file", path: "srv/app/hello.txt", mode: 0o644, content: "hello from a Slipway sample image\n" },
      { type: "dir", path: "data", mode: 0o755 },
      { type: "file", path: "data/seed.txt", mode: 0o644, content: "copied into the anonymous volume at create\n" },
    ],
  },
];

/** A generated image: its archive plus the facts a reader wants to check it against. */
export interface SampleImage {
  /** The docker-save archive (manifest.json, the config, one layer.tar per layer). */
  readonly archive: Buffer;
  readonly imageId: string;
  readonly diffIds: readonly string[];
  readonly reference: string;
}

/** Docker's GOARCH name for this machine, so the image matches the host platform (no create warning). */
function hostArchitecture(): string {
  return ({ x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x" } as Record<string, string>)[process.arch] ?? process.arch;
}

/**
 * Builds the sample image as `docker save` lays it out: a few layers, an Env, a Cmd, a WORKDIR and a
 * VOLUME. Deterministic: the same reference gives the same bytes.
 */
export function sampleImage(reference = "slipway-sample:1"): SampleImage {
  const layerTars = LAYERS.map((layer) => tarArchive(layer.entries));
  const diffIds = layerTars.map((tar) => sha256Digest(tar));
  const created = CREATED.toISOString();
  const config = {
    architecture: hostArchitecture(),
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hello from slipway"],
      Cmd: ["/bin/sh", "-c", "cat /srv/app/hello.txt; echo $GREETING"],
      WorkingDir: "/srv/app",
      Volumes: { "/data": {} },
      Labels: { "org.example.name": "slipway-sample" },
    },
    created,
    history: [
      ...LAYERS.map((layer) => ({ created, created_by: layer.createdBy })),
      { created, created_by: 'ENV GREETING="hello from slipway"', empty_layer: true },
      { created, created_by: 'VOLUME ["/data"]', empty_layer: true },
      { created, created_by: 'CMD ["/bin/sh","-c","cat /srv/app/hello.txt; echo $GREETING"]', empty_layer: true },
    ],
    os: "linux",
    rootfs: { type: "layers", diff_ids: diffIds },
  };
  const configJson = JSON.stringify(config);
  const imageId = sha256Digest(configJson);
  const hex = (digest: string) => digest.slice("sha256:".length);
  const manifest = [{ Config: `${hex(imageId)}.json`, RepoTags: [reference], Layers: diffIds.map((d) => `${hex(d)}/layer.tar`) }];
  const entries: TarEntry[] = [
    ...diffIds.flatMap((diffId, i): TarEntry[] => [
      { type: "dir", path: hex(diffId), mode: 0o755 },
      { type: "file", path: `${hex(diffId)}/VERSION`, mode: 0o644, content: "1.0" },
      { type: "file", path: `${hex(diffId)}/layer.tar`, mode: 0o644, content: layerTars[i]! },
    ]),
    { type: "file", path: `${hex(imageId)}.json`, mode: 0o644, content: configJson },
    { type: "file", path: "manifest.json", mode: 0o644, content: JSON.stringify(manifest) },
  ];
  return { archive: tarArchive(entries), imageId, diffIds, reference };
}
