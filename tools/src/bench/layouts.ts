/** How Slipway runs: `npm start` (the five apps in one process) or `npm start -- --split` (one process per app). */
export type Layout = "one" | "split";
export const LAYOUTS: readonly Layout[] = ["one", "split"];
export const LAYOUT_LABELS: Record<Layout, string> = { one: "one process", split: "split" };

/** Which engine a figure belongs to: a Slipway layout or dockerd. */
export type EngineKey = Layout | "dockerd";

/** What `npm start` is given for a layout. */
export function layoutArgs(layout: Layout): string[] {
  return layout === "split" ? ["--split"] : [];
}
