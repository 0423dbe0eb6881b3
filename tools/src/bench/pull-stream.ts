/**
 * Throws unless a pull's progress stream (dockerd's JSON lines) shows a full download: no layer "Already exists"
 * and the image "Downloaded newer", so that the timed pull fetched and extracted every layer.
 */
export function requireFullDownload(stream: string, image: string): void {
  const statuses = stream
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { status?: string }).status ?? "");
  const present = statuses.filter((status) => status === "Already exists").length;
  if (present > 0) throw new Error(`pull of ${image}: ${present} layers were already present, so the pull was not cold`);
  const last = statuses.at(-1) ?? "";
  if (!last.startsWith("Status: Downloaded newer image for "))
    throw new Error(`pull of ${image} did not download the image; it ended with "${last}"`);
}
