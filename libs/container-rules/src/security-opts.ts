import { serverError } from "./model.js";

/** The container-level security fields parseSecurityOpt derives (config.v2.json top level). */
export interface SecurityFields {
  AppArmorProfile: string;
  SeccompProfile: string;
  NoNewPrivileges: boolean;
}

const BOOL: Record<string, boolean> = {
  "1": true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  "0": false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

/** parseSecurityOpt: `no-new-privileges[=bool]`, `disable`, `label=…`, `apparmor=…`, `seccomp=…` (`:` still accepted). */
export function parseSecurityOpts(options: readonly string[] | null): SecurityFields {
  const fields: SecurityFields = { AppArmorProfile: "", SeccompProfile: "", NoNewPrivileges: false };
  for (const option of options ?? []) {
    if (option === "no-new-privileges") fields.NoNewPrivileges = true;
    if (option === "no-new-privileges" || option === "disable") continue;
    const sep = option.includes("=") ? "=" : option.includes(":") ? ":" : "";
    if (sep === "") throw serverError(`invalid --security-opt 1: ${JSON.stringify(option)}`);
    const at = option.indexOf(sep);
    const [key, value] = [option.slice(0, at), option.slice(at + 1)];
    if (key === "apparmor") fields.AppArmorProfile = value;
    else if (key === "seccomp") fields.SeccompProfile = value;
    else if (key === "no-new-privileges" && value in BOOL) fields.NoNewPrivileges = BOOL[value]!;
    else if (key !== "label") throw serverError(`invalid --security-opt 2: ${JSON.stringify(option)}`);
  }
  return fields;
}
