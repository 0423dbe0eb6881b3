import { objectFromRaw, rawElements, rawMembers } from "./raw-json.js";

/** dockerd's SizeRw and SizeRootFs of a container. */
export interface ContainerSizes {
  readonly sizeRw: number;
  readonly sizeRootFs: number;
}

/** The Ids of the rows of a GET /containers/json body. */
export function listedIds(listJson: string): string[] {
  return rawElements(listJson).map((row) => JSON.parse(rawMembers(row).get("Id") ?? '""') as string);
}

/**
 * The GET /containers/json body with each row's SizeRw and SizeRootFs after its Ports, where dockerd's
 * types.Container has them (`omitempty`: a zero, or a container without an RW layer, shows neither).
 * Every other byte of the rows stays as container-config rendered it.
 */
export function withSizes(listJson: string, sizes: ReadonlyMap<string, ContainerSizes>): string {
  const rows = rawElements(listJson).map((row) => {
    const members = rawMembers(row);
    const size = sizes.get(JSON.parse(members.get("Id") ?? '""') as string);
    return objectFromRaw([...members].flatMap((member) => (member[0] === "Ports" ? [member, ...sizeMembers(size)] : [member])));
  });
  return `[${rows.join(",")}]`;
}

function sizeMembers(size: ContainerSizes | undefined): [string, string][] {
  const members: [string, string][] = [];
  if (size?.sizeRw) members.push(["SizeRw", String(size.sizeRw)]);
  if (size?.sizeRootFs) members.push(["SizeRootFs", String(size.sizeRootFs)]);
  return members;
}
