/**
 * The docker CLI's credentials file: config.json in $DOCKER_CONFIG, else ~/.docker. `slipway login` stores
 * what `docker login` stores there (`auths[<registry>].auth`, base64 "user:password", or an identity token),
 * so either CLI's login serves both. Credential helpers (credsStore, credHelpers) are run by the docker CLI
 * only: with one configured, `slipway login` refuses and says so, and pulls and pushes send what `auths` holds.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Reference } from "@slipway/docker-spec";
import type { imagestore } from "@slipway/proto";

/** The key of Docker Hub's credentials, dockerd's index server address. */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

interface AuthEntry {
  auth?: string;
  identitytoken?: string;
}
interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), ".docker"), "config.json");
}

/** The key the docker CLI files a registry's credentials under: the index server for Docker Hub, else host[:port]. */
export function registryKey(reference: Reference): string {
  return reference.domain === "docker.io" ? DOCKER_HUB_KEY : reference.domain;
}

/** The stored credentials for `key`, as image-store takes them; undefined when there are none (anonymous). */
export function storedAuth(env: NodeJS.ProcessEnv, key: string): imagestore.RegistryAuth | undefined {
  const config = readConfig(env);
  const entry = config.auths?.[key] ?? Object.entries(config.auths ?? {}).find(([k]) => hostOf(k) === hostOf(key))?.[1];
  if (!entry?.auth && !entry?.identitytoken) return undefined;
  const decoded = Buffer.from(entry.auth ?? "", "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return {
    username: colon < 0 ? "" : decoded.slice(0, colon),
    password: colon < 0 ? "" : decoded.slice(colon + 1),
    identityToken: entry.identitytoken ?? "",
    registryToken: "",
    serverAddress: key,
  };
}

/** Stores a login (replacing the file: a temporary file renamed over it, 0600, the other settings kept); returns the path. */
export function storeAuth(env: NodeJS.ProcessEnv, key: string, username: string, password: string, identityToken: string): string {
  const path = dockerConfigPath(env);
  const config = readConfig(env);
  const helper = config.credHelpers?.[key] ?? config.credsStore;
  if (helper) {
    throw new Error(
      `${path} keeps credentials in the credential helper docker-credential-${helper}, which only the docker CLI runs: log in with docker login`,
    );
  }
  const entry: AuthEntry = identityToken
    ? { auth: Buffer.from(`${username}:`).toString("base64"), identitytoken: identityToken }
    : { auth: Buffer.from(`${username}:${password}`).toString("base64") };
  const updated = { ...config, auths: { ...config.auths, [key]: entry } };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.slipway-tmp`;
  writeFileSync(temp, `${JSON.stringify(updated, null, "\t")}\n`, { mode: 0o600 });
  renameSync(temp, path);
  return path;
}

function readConfig(env: NodeJS.ProcessEnv): ConfigFile {
  const path = dockerConfigPath(env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return {};
    const reason = code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
    throw new Error(`cannot read ${path}: ${reason}`, { cause: err });
  }
  try {
    return JSON.parse(text) as ConfigFile;
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}): fix or remove it`, { cause: err });
  }
}

/** docker's ConvertToHostname: "https://127.0.0.1:5000/v2/" → "127.0.0.1:5000". */
function hostOf(address: string): string {
  return address.replace(/^https?:\/\//, "").split("/")[0]!;
}
