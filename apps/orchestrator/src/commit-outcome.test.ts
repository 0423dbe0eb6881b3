import { deadlineExceeded, failedPrecondition, notFound, unavailable, type SlipwayError } from "@slipway/errors";
import { createLogger } from "@slipway/grpc-kit";
import { containerconfig, layerstore } from "@slipway/proto";
import { describe, expect, it } from "vitest";
import { ContainerCreator } from "./create.js";
import { ImageResolutions } from "./image-resolutions.js";
import { InFlightCreates } from "./in-flight.js";
import type { Stores } from "./stores.js";
import { VolumeKeeper } from "./volume-keeper.js";

// A create whose commit fails: which failures leave its outcome unknown (asked with GetContainer before
// anything is undone) and what each answer to that question undoes, against stores that record their calls.
// A commit that fails ends container-config's record stream, and the prepared container with it.

/** The stores a create without an image or volumes calls; CommitContainer fails with `commitError`. */
function storesWhere(commitError: SlipwayError, lookup: () => Promise<unknown>) {
  const calls: string[] = [];
  const answer =
    <T>(call: string, value: T) =>
    async () => (calls.push(call), value);
  // container-config's record stream: prepared, then the commit's error; a stream that ends without a commit
  // is an abandon. The requests are read as they come, whether or not the caller awaits an answer, as over gRPC.
  function createContainerRecord(requests: AsyncIterable<containerconfig.CreateContainerRecordRequest>) {
    const answers: (() => Promise<containerconfig.CreateContainerRecordResponse>)[] = [];
    let ended = false;
    void (async () => {
      for await (const request of requests) {
        calls.push(request.prepare ? "prepare" : "commit");
        answers.push(async () => {
          if (request.commit) throw commitError;
          return { prepared: containerconfig.PrepareContainerResponse.create({ name: "/demo" }) };
        });
        if (request.commit) return;
      }
      calls.push("abandon");
      ended = true;
    })();
    return {
      async *[Symbol.asyncIterator]() {
        for (let i = 0; ; i++) {
          while (answers.length <= i && !ended) await new Promise((resolve) => setTimeout(resolve, 1));
          if (answers.length <= i) return;
          yield await answers[i]!();
        }
      },
    };
  }
  const stores = {
    containers: {
      createContainerRecord,
      getContainer: async () => (calls.push("getContainer"), lookup()),
    },
    layers: {
      createContainerLayers: answer("createContainerLayers", layerstore.CreateContainerLayersResponse.create()),
      releaseContainerLayers: answer("releaseContainerLayers", { deletedChainIds: [], volumesNotFound: [] }),
    },
  };
  return { stores: stores as unknown as Stores, calls };
}

function create(stores: Stores) {
  const logger = createLogger("orchestrator", "silent");
  const creator = new ContainerCreator(
    stores,
    new ImageResolutions(stores.images, logger),
    new VolumeKeeper(stores.layers, logger),
    new InFlightCreates(),
    logger,
  );
  return creator.create({ name: "demo", createRequestJson: Buffer.from("{}"), apiVersion: "1.41" }, {});
}

const CREATE_CALLS = ["prepare", "createContainerLayers", "commit"];
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
    expect(calls).toEqual([...CREATE_CALLS, "getContainer", "releaseContainerLayers"]);
  });

  it("that cannot be checked leaves the RW layer to the reconciler", async () => {
    const { stores, calls } = storesWhere(deadlineExceeded("no answer in time"), unreachable);
    await expect(create(stores)).rejects.toMatchObject({ kind: "deadline_exceeded" });
    expect(calls).toEqual([...CREATE_CALLS, "getContainer"]);
  });
});

it("a commit refused by container-config is undone without asking", async () => {
  const { stores, calls } = storesWhere(failedPrecondition("the name is taken"), record);
  await expect(create(stores)).rejects.toMatchObject({ kind: "failed_precondition" });
  expect(calls).toEqual([...CREATE_CALLS, "releaseContainerLayers"]);
});

it("layers that fail end the record stream without a commit, which abandons the prepared container", async () => {
  const { stores, calls } = storesWhere(failedPrecondition("never reached"), record);
  Object.assign(stores.layers, {
    createContainerLayers: async () => (calls.push("createContainerLayers"), Promise.reject(unavailable("disk gone"))),
  });
  await expect(create(stores)).rejects.toMatchObject({ kind: "unavailable" });
  expect(calls).toEqual(["prepare", "createContainerLayers", "releaseContainerLayers", "abandon"]);
});
