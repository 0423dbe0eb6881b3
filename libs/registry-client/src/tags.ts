/**
 * A repository's tags as dockerd 20.10 lists them for a pull of every tag (distribution's tags.All):
 * GET tags/list, then each page the Link header names, until an answer without one.
 */
import { errorFromResponse } from "./error-response.js";
import { RegistryError } from "./errors.js";
import { parseJsonLikeGo } from "./go-json.js";
import type { Session } from "./session.js";
import { readBody } from "./transport.js";

/** The largest page accepted: a tags list is names only, so this is tens of thousands of tags. */
const MAX_TAGS_PAGE_BYTES = 4 * 1024 * 1024;
/** Pages followed at most: a registry whose Link never ends would otherwise keep a pull listing forever. */
const MAX_TAGS_PAGES = 1000;

export class Tags {
  constructor(
    private readonly session: Session,
    private readonly repositoryUrl: string,
  ) {}

  /** Every tag, in the registry's order. */
  async all(signal?: AbortSignal): Promise<string[]> {
    const tags: string[] = [];
    let url = `${this.repositoryUrl}/tags/list`;
    for (let page = 1; ; page++) {
      const response = await this.session.send({ method: "GET", url, ...(signal ? { signal } : {}) });
      if (response.status < 200 || response.status > 399) throw await errorFromResponse(response);
      const body = await readBody(
        response,
        MAX_TAGS_PAGE_BYTES,
        () => new RegistryError(`tags list too large: more than ${MAX_TAGS_PAGE_BYTES} bytes`),
      );
      tags.push(...tagsOf(body));
      const link = response.header("link");
      if (!link) return tags;
      if (page === MAX_TAGS_PAGES) throw new RegistryError(`tags list longer than ${MAX_TAGS_PAGES} pages`);
      url = nextPage(link, url);
    }
  }
}

/** The `tags` of a tags/list answer (Go's json.Unmarshal into []string: null or missing is none). */
export function tagsOf(body: Buffer): string[] {
  let doc: unknown;
  try {
    doc = parseJsonLikeGo(body.toString("utf8"));
  } catch (err) {
    throw new RegistryError((err as Error).message, { cause: err });
  }
  const tags = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as { tags?: unknown }).tags : [];
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== "string"))
    throw new RegistryError("invalid tags list: tags is not a list of strings");
  return tags as string[];
}

/** The URL of `<url>; rel="next"`, resolved against the page that named it (as Go's strings.Trim and ResolveReference). */
export function nextPage(link: string, current: string): string {
  const target = link.split(";")[0]!.replace(/^<+|>+$/g, "");
  return new URL(target, current).href;
}
