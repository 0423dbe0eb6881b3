/** One repository on one registry endpoint, for the length of a pull or a push. */
import type { Reference } from "@slipway/docker-spec";
import { Blobs, type BlobTiming } from "./blobs.js";
import type { Endpoint } from "./endpoints.js";
import { Manifests } from "./manifests.js";
import type { Session } from "./session.js";
import { Tags } from "./tags.js";
import type { Transport } from "./transport.js";
import { Uploads } from "./uploads.js";

export class Repository {
  readonly manifests: Manifests;
  readonly blobs: Blobs;
  readonly uploads: Uploads;
  readonly tags: Tags;

  constructor(
    readonly endpoint: Endpoint,
    /** The reference as the user gave it, normalised; its path names the repository in API calls. */
    readonly ref: Reference,
    session: Session,
    private readonly transport: Transport,
    timing: BlobTiming,
  ) {
    const repositoryUrl = `${endpoint.url}/v2/${ref.path}`;
    this.manifests = new Manifests(session, repositoryUrl);
    this.blobs = new Blobs(session, repositoryUrl, timing);
    this.uploads = new Uploads(session, repositoryUrl, this.blobs, timing.secondMs);
    this.tags = new Tags(session, repositoryUrl);
  }

  /** "library/alpine": the repository's name in API calls and token scopes. */
  get path(): string {
    return this.ref.path;
  }

  /** Closes the endpoint's connections. */
  close(): Promise<void> {
    return this.transport.close();
  }
}
