/**
 * `docker login` as dockerd 20.10's registry service checks it (registry.Service.Auth): the credentials
 * tried on the registry's endpoints, never a mirror; "Login Succeeded" and any identity token the token
 * server issued. A token server refusing them is UNAUTHENTICATED (dockerd's 401); a registry answering
 * 401 to Basic credentials is "login attempt to … failed with status: 401 Unauthorized" (dockerd's 500).
 */
import { invalidArgument } from "@slipway/errors";
import { login, loginHost, type AuthConfig, type LoginResult, type RegistryClient } from "@slipway/registry-client";
import { fromRegistryError } from "./registry-errors.js";

export async function loginToRegistry(registry: RegistryClient, auth: AuthConfig, signal: AbortSignal): Promise<LoginResult> {
  try {
    loginHost(auth.serveraddress);
  } catch {
    throw invalidArgument(`unable to parse server address: ${JSON.stringify(auth.serveraddress)} is not a valid URL`);
  }
  try {
    return await login(registry, auth, signal);
  } catch (err) {
    throw fromRegistryError(err);
  }
}
