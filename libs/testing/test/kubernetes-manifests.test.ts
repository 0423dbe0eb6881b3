import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SERVICES } from "@slipway/grpc-kit";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "../src/image.js";

// deploy/kubernetes/ without a cluster: every manifest validated against the Kubernetes API schemas that
// kubernetes-models ships, and Slipway's policy asserted on the DaemonSet. (Those schemas do not reject
// unknown fields, so the policy checks below read every field that matters and fail when it is missing.)

const DIR = join(REPO_ROOT, "deploy/kubernetes");
const APPS = ["layer-store", "image-store", "container-config", "orchestrator", "engine-api"] as const;
const STORES = ["layer-store", "image-store", "container-config"];
const HEALTHCHECK = ["node", "/app/tools/docker/healthcheck.mjs"];

interface Manifest {
  readonly file: string;
  readonly doc: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown };
}

/** Every YAML document in deploy/kubernetes, parsed as kubectl does (YAML 1.1: 0400 is octal). */
function manifests(): Manifest[] {
  return readdirSync(DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(DIR, file), "utf8"), { version: "1.1" }).map((document) => {
        expect(document.errors, `${file}: ${document.errors.join("; ")}`).toEqual([]);
        return { file, doc: document.toJS() as Manifest["doc"] };
      }),
    )
    .filter(({ doc }) => doc !== null);
}

type Model = new (data: unknown) => { validate(): void };

/** Each apiVersion the manifests use -> its kubernetes-models module; the class is named by the kind. */
const MODULES: Readonly<Record<string, () => Promise<unknown>>> = {
  v1: () => import("kubernetes-models/v1"),
  "apps/v1": () => import("kubernetes-models/apps/v1"),
};

async function modelOf(apiVersion: string, kind: string): Promise<Model> {
  const load = MODULES[apiVersion];
  if (!load) throw new Error(`no kubernetes-models module is mapped for apiVersion ${apiVersion}; add it to MODULES`);
  const model = ((await load()) as Record<string, Model | undefined>)[kind];
  if (!model) throw new Error(`kubernetes-models has no ${kind} in ${apiVersion}`);
  return model;
}

// The parts of a pod spec the policy reads.
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number; protocol?: string; hostPort?: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  securityContext?: {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsUser?: number;
    capabilities?: { add?: string[]; drop?: string[] };
  };
  resources?: { requests?: { cpu?: string; memory?: string } };
  startupProbe?: { exec?: { command: string[] } };
  readinessProbe?: { exec?: { command: string[] } };
  livenessProbe?: { exec?: { command: string[] } };
}
interface Volume {
  name: string;
  secret?: { secretName: string; defaultMode?: number; items?: { key: string; path: string; mode?: number }[] };
  hostPath?: { path: string };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes: Volume[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
  securityContext?: { fsGroup?: number };
}

const all = manifests();
const daemonSet = all.find(({ doc }) => doc.kind === "DaemonSet")?.doc as (Manifest["doc"] & { spec: { template: { spec: PodSpec } } }) | undefined;
const pod = daemonSet?.spec.template.spec;
const container = (app: string) => pod!.containers.find((c) => c.name === app)!;
const volume = (name: string) => pod!.volumes.find((v) => v.name === name);

describe("deploy/kubernetes", () => {
  it("holds a Namespace, the certificates' Secret template and a DaemonSet, all in the slipway namespace", () => {
    expect(all.map(({ file, doc }) => `${file} ${doc.apiVersion} ${doc.kind} ${doc.metadata.name}`)).toEqual([
      "daemonset.yaml apps/v1 DaemonSet slipway",
      "namespace.yaml v1 Namespace slipway",
      "secret-tls.template.yaml v1 Secret slipway-tls",
    ]);
    for (const { doc } of all.filter(({ doc }) => doc.kind !== "Namespace")) expect(doc.metadata.namespace).toBe("slipway");
  });

  it.each(all.map((m) => [`${m.file} ${m.doc.kind}`, m] as const))("%s is valid against the Kubernetes schema", async (_name, { doc }) => {
    const Model = await modelOf(doc.apiVersion, doc.kind);
    expect(() => new Model(doc).validate()).not.toThrow();
  });

  it("the schema check is not vacuous: a wrongly typed field fails it", async () => {
    const Model = await modelOf(daemonSet!.apiVersion, daemonSet!.kind);
    const broken = structuredClone(daemonSet!);
    (broken.spec.template.spec.containers[0]!.securityContext as Record<string, unknown>).privileged = "no";
    expect(() => new Model(broken).validate()).toThrow(/privileged must be boolean/);
  });

  it("the Secret template carries each app's pair and ca.crt, never ca.key or the cli's key", () => {
    const secret = all.find(({ doc }) => doc.kind === "Secret")!.doc as Manifest["doc"] & { stringData: Record<string, string> };
    expect(Object.keys(secret.stringData).sort()).toEqual(["ca.crt", ...APPS.flatMap((app) => [`${app}.crt`, `${app}.key`])].sort());
  });
});

describe("the DaemonSet's policy", () => {
  it("runs the five apps, one container each, from the one image, in their own PID namespaces, off the host's network", () => {
    expect(pod!.containers.map((c) => [c.name, c.args])).toEqual(APPS.map((app) => [app, [app]]));
    expect(pod!.initContainers ?? []).toEqual([]);
    for (const c of pod!.containers) expect(c.image).toMatch(/^slipway\/slipway:/);
    // healthcheck.mjs finds its container's app among the processes it sees.
    expect(pod!.shareProcessNamespace ?? false).toBe(false);
    expect([pod!.hostNetwork, pod!.hostPID, pod!.hostIPC].map((v) => v ?? false)).toEqual([false, false, false]);
    for (const c of pod!.containers) for (const port of c.ports ?? []) expect(port.hostPort).toBeUndefined();
    // fsGroup would make every secret file group-readable, and the apps refuse a key others may read.
    expect(pod!.securityContext?.fsGroup).toBeUndefined();
  });

  it("no container is privileged or can gain privileges; all run as uid 0 on a read-only root filesystem", () => {
    for (const c of pod!.containers) {
      expect(c.securityContext, c.name).toBeDefined();
      expect(c.securityContext!.privileged ?? false, c.name).toBe(false);
      expect(c.securityContext!.allowPrivilegeEscalation, c.name).toBe(false);
      expect(c.securityContext!.readOnlyRootFilesystem, c.name).toBe(true);
      expect(c.securityContext!.runAsUser, c.name).toBe(0);
    }
  });

  it("every app but layer-store drops ALL capabilities and adds none; layer-store adds only SYS_ADMIN (as in compose)", () => {
    for (const app of APPS) {
      const caps = container(app).securityContext!.capabilities;
      expect(caps, app).toEqual(app === "layer-store" ? { add: ["SYS_ADMIN"] } : { drop: ["ALL"] });
    }
  });

  it("every container mounts only ca.crt and its own certificate and key, every key 0400", () => {
    for (const app of APPS) {
      const secretMounts = container(app).volumeMounts!.filter((m) => volume(m.name)?.secret);
      expect(
        secretMounts.map((m) => [m.mountPath, m.readOnly, m.subPath]),
        app,
      ).toEqual([["/etc/slipway/tls", true, undefined]]);
      const { secret } = volume(secretMounts[0]!.name)!;
      expect(secret!.secretName).toBe("slipway-tls");
      expect(
        secret!.items!.map((item) => `${item.key}:${item.path}`),
        app,
      ).toEqual(["ca.crt", `${app}.crt`, `${app}.key`].map((f) => `${f}:${f}`));
      for (const item of secret!.items!) expect((item.mode ?? secret!.defaultMode)?.toString(8), `${app}: ${item.key}`).toBe("400");
      expect(container(app).env!.find((e) => e.name === "SLIPWAY_TLS_DIR")?.value).toBe("/etc/slipway/tls");
    }
    // No secret volume that no container uses, none mounting every key.
    const used = new Set(pod!.containers.flatMap((c) => c.volumeMounts!.map((m) => m.name)));
    for (const v of pod!.volumes.filter((v) => v.secret)) {
      expect(used.has(v.name), v.name).toBe(true);
      expect(v.secret!.items, v.name).toBeDefined();
    }
  });

  it("each gRPC app binds its own port on 127.0.0.1 and every app reaches the others there", () => {
    const grpcApps = APPS.filter((app): app is keyof typeof SERVICES => app in SERVICES);
    for (const c of pod!.containers) {
      const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
      const binds = Object.keys(env).filter((name) => name.endsWith("_BIND") && !name.endsWith("_METRICS_BIND"));
      for (const app of grpcApps) expect(env[SERVICES[app].env], `${c.name}: ${SERVICES[app].env}`).toBe(`127.0.0.1:${SERVICES[app].port}`);
      if (c.name in SERVICES) {
        const app = c.name as keyof typeof SERVICES;
        expect(binds, c.name).toEqual([`SLIPWAY_${app.toUpperCase().replace(/-/g, "_")}_BIND`]);
        expect(env[binds[0]!], c.name).toBe(`127.0.0.1:${SERVICES[app].port}`);
      } else {
        expect(binds, c.name).toEqual([]);
        expect(env.SLIPWAY_ENGINE_API_TCP, "engine-api serves its socket only").toBeUndefined();
      }
    }
  });

  it("each app serves its own metrics on the pod's IP, over TLS, at a declared metrics port", () => {
    for (const c of pod!.containers) {
      const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
      const metricsBinds = Object.keys(env).filter((name) => name.endsWith("_METRICS_BIND"));
      expect(metricsBinds, c.name).toEqual([`SLIPWAY_${c.name.toUpperCase().replace(/-/g, "_")}_METRICS_BIND`]);
      const port = 7711 + APPS.indexOf(c.name as (typeof APPS)[number]);
      expect(env[metricsBinds[0]!], c.name).toBe(`0.0.0.0:${port}`);
      expect(env.SLIPWAY_TLS_DIR, `${c.name}: metrics on TCP are HTTPS with client certificates`).toBe("/etc/slipway/tls");
      expect(
        c.ports!.filter((p) => p.name === "metrics"),
        c.name,
      ).toEqual([{ name: "metrics", containerPort: port, protocol: "TCP" }]);
    }
  });

  it("the node's data root goes to the three stores only, the node's run dir to engine-api only", () => {
    const hostPaths = Object.fromEntries(pod!.volumes.filter((v) => v.hostPath).map((v) => [v.name, v.hostPath!.path]));
    expect(Object.values(hostPaths).sort()).toEqual(["/run/slipway", "/var/lib/slipway"]);
    for (const c of pod!.containers) {
      const mounted = c.volumeMounts!.filter((m) => hostPaths[m.name]).map((m) => `${hostPaths[m.name]}:${m.mountPath}`);
      const expected = STORES.includes(c.name) ? ["/var/lib/slipway:/var/lib/slipway"] : c.name === "engine-api" ? ["/run/slipway:/run/slipway"] : [];
      expect(mounted, c.name).toEqual(expected);
    }
  });

  it("every container has startup, readiness and liveness probes running the image's healthcheck, and resource requests", () => {
    for (const c of pod!.containers) {
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(probe?.exec?.command, c.name).toEqual(HEALTHCHECK);
      expect(c.resources?.requests?.cpu, c.name).toBeDefined();
      expect(c.resources?.requests?.memory, c.name).toBeDefined();
    }
  });
});
