import type { Metric, Registry } from "prom-client";

/** One counter series: a number. */
export class CounterSeries {
  value = 0;

  inc(): void {
    this.value += 1;
  }
}

/** One histogram series: a count per bucket, the sum and the count; an observation is a short scan and three additions. */
export class HistogramSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly upperBounds: readonly number[]) {
    this.counts = upperBounds.map(() => 0);
  }

  observe(value: number): void {
    let bucket = 0;
    while (bucket < this.upperBounds.length && value > this.upperBounds[bucket]!) bucket++;
    if (bucket < this.counts.length) this.counts[bucket]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

type Series = CounterSeries | HistogramSeries;
interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/**
 * A counter or histogram family in a prom-client registry whose series are plain numbers, turned into samples
 * only when scraped. A caller looks its series up once (per method, per route) and then pays a few additions per
 * call: prom-client's own label children hash their label values again at every increment.
 */
export class SeriesFamily<S extends Series> {
  readonly aggregator = "sum";
  private readonly series = new Map<string, { readonly labels: Record<string, string>; readonly series: S }>();

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    readonly type: S extends HistogramSeries ? "histogram" : "counter",
    private readonly labelNames: readonly string[],
    private readonly make: () => S,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these label values (in labelNames' order), made on first use. */
  of(...values: string[]): S {
    const key = values.join("\u0000");
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] ?? ""])), series: this.make() };
      this.series.set(key, entry);
    }
    return entry.series;
  }

  /** What prom-client's registry formats when scraped. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values = [...this.series.values()].flatMap(({ labels, series }) => this.samplesOf(labels, series));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const { series } of this.series.values()) {
      if (series instanceof CounterSeries) {
        series.value = 0;
      } else {
        series.counts.fill(0);
        series.sum = 0;
        series.count = 0;
      }
    }
  }

  private samplesOf(labels: Record<string, string>, series: Series): Sample[] {
    if (series instanceof CounterSeries) return [{ metricName: this.name, labels, value: series.value }];
    let cumulative = 0;
    const buckets = series.upperBounds.map((le, i) => {
      cumulative += series.counts[i]!;
      return { metricName: `${this.name}_bucket`, labels: { ...labels, le: String(le) }, value: cumulative };
    });
    return [
      ...buckets,
      { metricName: `${this.name}_bucket`, labels: { ...labels, le: "+Inf" }, value: series.count },
      { metricName: `${this.name}_sum`, labels, value: series.sum },
      { metricName: `${this.name}_count`, labels, value: series.count },
    ];
  }
}

/** A counter family. */
export function counters(registry: Registry, name: string, help: string, labelNames: readonly string[] = []): SeriesFamily<CounterSeries> {
  return new SeriesFamily<CounterSeries>(registry, name, help, "counter", labelNames, () => new CounterSeries());
}

/** A histogram family with these bucket upper bounds. */
export function histograms(
  registry: Registry,
  name: string,
  help: string,
  upperBounds: readonly number[],
  labelNames: readonly string[] = [],
): SeriesFamily<HistogramSeries> {
  return new SeriesFamily<HistogramSeries>(registry, name, help, "histogram", labelNames, () => new HistogramSeries(upperBounds));
}
