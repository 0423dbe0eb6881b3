import { describe, expect, it } from "vitest";
import { alreadyExists } from "@slipway/errors";
import { allocationError, renamedConfigV2, renameTarget, requireRenameNames } from "./rename.js";

const RECORD =
  '{"ID":"x","Config":{"Labels":{"Name":"\\"Name\\":\\"/old\\"","IsAnonymousEndpoint":"true"}},"NetworkSettings":{"Networks":{},"IsAnonymousEndpoint":true},' +
  '"MountPoints":{"/d":{"Name":"vol"}},"LogPath":"","Name":"/old","Driver":"overlay2"}';

describe("renamedConfigV2", () => {
  it("replaces only the top-level Name and clears IsAnonymousEndpoint, as dockerd's rename does", () => {
    expect(renamedConfigV2(RECORD, "/new")).toBe(
      RECORD.replace('"LogPath":"","Name":"/old"', '"LogPath":"","Name":"/new"').replace(
        '"IsAnonymousEndpoint":true}',
        '"IsAnonymousEndpoint":false}',
      ),
    );
  });

  it("fails on a record without a top-level Name", () => {
    expect(() => renamedConfigV2('{"Config":{"Name":"/x"}}', "/new")).toThrow("config.v2.json has no Name");
  });
});

describe("the checks of a rename, in dockerd's order and words", () => {
  it("refuses empty names first", () => {
    expect(() => requireRenameNames("a", "")).toThrow("Neither old nor new names may be empty");
    expect(() => requireRenameNames("", "b")).toThrow("Neither old nor new names may be empty");
  });

  it("refuses the current name, with or without its slash, then an invalid one with the slash it shows", () => {
    expect(() => renameTarget("/web", "web")).toThrow("Renaming a container with the same name as its current name");
    expect(() => renameTarget("/web", "/web")).toThrow("Renaming a container with the same name as its current name");
    expect(() => renameTarget("/web", "bad name")).toThrow(
      "Error when allocating new name: Invalid container name (/bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
    );
    expect(renameTarget("/web", "db")).toBe("/db");
  });

  it("wraps a reservation's error, keeping its kind", () => {
    expect(allocationError(alreadyExists("Conflict."))).toMatchObject({
      kind: "already_exists",
      message: "Error when allocating new name: Conflict.",
    });
  });
});
