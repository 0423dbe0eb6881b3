import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { applyLayerTar } from "../src/index.js";
import { chunked, hostileCorpus } from "../src/testing/index.js";

// Errors are for people: each says what is wrong with which entry. Keeps the wording reviewed.
it("explains each hostile tar in words", async () => {
  const work = mkdtempSync(join(tmpdir(), "layer-tar-messages-"));
  const messages: Record<string, string> = {};
  for (const hostile of hostileCorpus()) {
    const diff = join(work, hostile.name);
    mkdirSync(diff);
    messages[hostile.name] = await applyLayerTar(chunked(hostile.bytes), diff).then(
      () => "accepted",
      (err: Error) => err.message,
    );
  }
  rmSync(work, { recursive: true, force: true });
  expect(messages).toMatchSnapshot();
});
