import { deadlineExceeded, failedPrecondition, notFound, unavailable, type SlipwayError } from "@slipway/errors";
import { createLogger } from "@slipway/grpc-kit";
import { containerconfig, layerstore } from "@slipway/proto";
import { describe, expect, it } from "vitest";
import { ContainerCreator } from "./create.js";
import { InFlightCreates } from "./in-flight.js";
import type { Stores } from "./stores.js";

// A create whose commit fails: which failures leave its outcome unknown (asked with GetContainer before
// anything is undone) and what each answer to that question undoes, against stores that record their calls.

/** The stores a create without an image or volumes calls; CommitContainer fails with `commitError`. */
function storesWhere(commitError: SlipwayError, lookup: () => Promise<unknown>) {
  const calls: string[] = [];
  const answer =
    <T>(call: string, value: T) =>
    async () => (calls.push(call), value);
  const stores = {
    containers: {
      mergeAndVerify: answer("mergeAndVerify", containerconfig.MergeAndVerifyResponse.create({ configJson: Buffer.from("{}") })),
      reserveName: answer("reserveName", { name: "/demo" }),
      releaseName: answer("releaseName", {}),
      commitContainer: async () => {
        calls.push("commitContainer");
        throw commitError;
      },
      getContainer: async () => (calls.push("getContainer"), lookup()),
    },
    layers: {
      createRwLayer: answer("createRwLayer", { rwLayer: layerstore.RWLayer.create() }),
      releaseRwLayer: answer("releaseRwLayer", { deletedChainIds: [] }),
    },
  };
  return { stores: stores as unknown as Stores, calls };
}

function create(stores: Stores) {
  const creator = new ContainerCreator(stores, new InFlightCreates(), createLogger("orchestrator", "silent"));
  return creator.create({ name: "demo", createRequestJson: Buffer.from("{}"), apiVersion: "1.41" }, {});
}

const CREATE_CALLS = ["mergeAndVerify", "reserveName", "createRwLayer", "commitContainer"];
const record = async () => ({ container: containerconfig.ContainerRecord.create() });
const absent = async () => Promise.reject(notFound("No such container"));
const unreachable = async () => Promise.reject(unavailable("container-config is unavailable"));

describe("a commit without an answer", () => {
  it.each([
    ["unavailable", unavailable("container-config is unavailable at unix:/run/container-config.sock")],
    ["deadline exceeded", deadlineExceeded("container-config at unix:/run/container-config.sock did not answer in time (deadline exceeded)")],
  ])("(%s) that was written is a create that succeeded", async (_kind, commitError) => {
    const { stores, calls } = storesWhere(commitError, record);
    await expect(create(stores)).resolves.toMatchObject({ warnings: [] });
    expect(calls).toEqual([...CREATE_CALLS, "getContainer"]);
  });

  it("that was not written is undone entirely", async () => {
    const { stores, calls } = storesWhere(deadlineExceeded("no answer in time"), absent);
    await expect(create(stores)).rejects.toMatchObject({ kind: "deadline_exceeded" });
    expect(calls).toEqual([...CREATE_CALLS, "getContainer", "releaseRwLayer", "releaseName"]);
  });

  it("that cannot be checked releases only the name and leaves the RW layer to the reconciler", async () => {
    const { stores, calls } = storesWhere(deadlineExceeded("no answer in time"), unreachable);
    await expect(create(stores)).rejects.toMatchObject({ kind: "deadline_exceeded" });
    expect(calls).toEqual([...CREATE_CALLS, "getContainer", "releaseName"]);
  });
});

it("a commit refused by container-config is undone without asking", async () => {
  const { stores, calls } = storesWhere(failedPrecondition("the name is taken"), record);
  await expect(create(stores)).rejects.toMatchObject({ kind: "failed_precondition" });
  expect(calls).toEqual([...CREATE_CALLS, "releaseRwLayer", "releaseName"]);
});
