import { afterAll, beforeAll, expect } from "vitest";
import { Dockerd } from "./dockerd.js";
import { createViaSlipway, type SlipwayOutcome } from "./flow.js";
import { startHarness, type Harness } from "./harness.js";

type StoredConfig = { Created: string; Name: string; MountPoints: Record<string, { Name: string; Source: string }> };

/** The same create in the live dockerd 20.10 and in Slipway, which gets dockerd's ID, Created and volumes. */
export interface BothCreated {
  theirs: Awaited<ReturnType<Dockerd["create"]>>;
  files: { configV2: string; hostConfig: string };
  stored: StoredConfig;
  ours: SlipwayOutcome;
}

/**
 * A test file's live dockerd and container-config harness, set up before its tests and removed after
 * them, with dockerd's golden:1 as the image both sides create from.
 */
export function withDockerdAndSlipway() {
  const dockerd = new Dockerd();
  const state = {} as { h: Harness; image: { id: string; config: Buffer } };
  beforeAll(async () => {
    state.h = await startHarness();
    const id = await dockerd.imageId("golden:1");
    state.image = { id, config: await dockerd.imageConfig(id) };
  });
  afterAll(async () => {
    await dockerd.cleanup();
    await state.h?.stop();
  });
  return {
    dockerd,
    get h() {
      return state.h;
    },
    get image() {
      return state.image;
    },
    /** Stops container-config and starts it again on the same data root. */
    async restart(): Promise<void> {
      const root = state.h.dataRoot;
      await state.h.stop(true);
      state.h = await startHarness(root);
    },
    async createInBoth(body: string, name: string, apiVersion?: string): Promise<BothCreated> {
      const theirs = await dockerd.create(body, name, apiVersion);
      expect(theirs, `dockerd refused: ${theirs.message}`).toMatchObject({ status: 201 });
      const files = await dockerd.files(theirs.id!);
      const stored = JSON.parse(files.configV2) as StoredConfig;
      const ours = await createViaSlipway(state.h.client, {
        body,
        imageConfig: state.image.config,
        imageId: state.image.id,
        id: theirs.id!,
        name,
        created: stored.Created,
        dockerdMountPoints: stored.MountPoints,
        apiVersion,
      });
      return { theirs, files, stored, ours };
    },
  };
}
