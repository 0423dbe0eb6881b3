import { context, trace, type Context, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

const SCOPE = "@slipway/tracing";
const APP_TRACER = Symbol("the tracer of the app whose work runs in this context");

/**
 * A tracer per app, each with its own resource (service.name = the app), all exporting through one span
 * processor: in the one-process layout the five apps share a process, and Jaeger and Tempo still show each
 * span under its app, since they group by the resource's service.name (an attribute would leave them all
 * under one service). The process's own provider, registered globally with the W3C trace-context propagator
 * and an AsyncLocalStorage context manager, names work done outside any app "slipway".
 */
export class AppTracers {
  private readonly tracers = new Map<string, Tracer>();
  private readonly providers: NodeTracerProvider[] = [];
  private readonly outsideApps: Tracer;

  constructor(private readonly processor: SpanProcessor) {
    const provider = this.provider("slipway");
    provider.register({ propagator: new W3CTraceContextPropagator() });
    this.outsideApps = provider.getTracer(SCOPE);
  }

  /** `app`'s tracer, made on first use. */
  of(app: string): Tracer {
    let tracer = this.tracers.get(app);
    if (!tracer) this.tracers.set(app, (tracer = this.provider(app).getTracer(SCOPE)));
    return tracer;
  }

  /** The tracer of the app whose work runs in `ctx`. */
  current(ctx: Context = context.active()): Tracer {
    return (ctx.getValue(APP_TRACER) as Tracer | undefined) ?? this.outsideApps;
  }

  /** `ctx` as work of `app`: spans started in it without a tracer of their own are `app`'s. */
  withApp(ctx: Context, app: string): Context {
    return ctx.setValue(APP_TRACER, this.of(app));
  }

  /** Exports what is still queued; for a process about to exit. */
  async shutdown(): Promise<void> {
    await Promise.all(this.providers.map((provider) => provider.shutdown()));
    trace.disable();
    context.disable();
  }

  private provider(app: string): NodeTracerProvider {
    // OTEL_RESOURCE_ATTRIBUTES adds to each app's resource (say, deployment.environment); the app names the service.
    const resource = defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ "service.name": app, "service.namespace": "slipway" }));
    const provider = new NodeTracerProvider({ resource, spanProcessors: [this.processor] });
    this.providers.push(provider);
    return provider;
  }
}
