import { goJson, goJsonString } from "@slipway/docker-spec";
import { invalidArgument, type SlipwayError } from "@slipway/errors";
import { parseSizeOption } from "./size-option.js";

/** The options dockerd's local volume driver takes: mount(8)'s type, device and -o options, and a quota size. */
const VALID = new Set(["type", "o", "device", "size"]);
/** Options that need others, each list in dockerd's order. */
const NEEDS: Readonly<Record<string, readonly string[]>> = { device: ["type"], type: ["device"], o: ["device", "type"] };

/**
 * The local driver's setOpts: the options checked (an unknown one, or one without those it needs, is refused
 * in dockerd's words) and parsed into volumes/<name>/opts.json's text; undefined for no options, for which
 * dockerd writes no file. A size needs project quotas on the volumes' filesystem.
 */
export function localDriverOptsJson(options: Readonly<Record<string, string>>, hasProjectQuota: () => boolean): string | undefined {
  const keys = Object.keys(options);
  if (keys.length === 0) return undefined;
  const problem = optionsProblem(options);
  if (problem) throw problem;
  let size = 0;
  if (options.size !== undefined) {
    size = parseSizeOption(options.size);
    if (size > 0 && !hasProjectQuota()) throw invalidArgument("quota size requested but no quota support");
  }
  return goJson({ MountType: options.type ?? "", MountOpts: options.o ?? "", MountDevice: options.device ?? "", Quota: { Size: size } });
}

function optionsProblem(options: Readonly<Record<string, string>>): SlipwayError | undefined {
  const unknown = Object.keys(options).find((key) => !VALID.has(key));
  if (unknown !== undefined) return invalidArgument(`invalid option: ${goJsonString(unknown)}`);
  for (const [option, needed] of Object.entries(NEEDS)) {
    if (options[option] === undefined) continue;
    const missing = needed.find((other) => options[other] === undefined);
    if (missing) return invalidArgument(`missing required option: ${goJsonString(missing)}`);
  }
  return undefined;
}
