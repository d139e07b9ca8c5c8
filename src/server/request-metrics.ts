/**
 * The per-request metrics, counted in plain numbers and turned into Prometheus samples only
 * when scraped. prom-client hashes and validates the label object on every `inc`/`observe`
 * (and allocates for it); on the /v1 path that was about a tenth of the gateway's CPU per
 * request (`worv-proxy bench`, case 1, metrics on vs off). Here a request finds its series
 * through nested maps keyed by the label values and bumps numbers; the exposition (names,
 * label order, cumulative buckets) is prom-client's own, through its Registry.
 */
import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string | number>;

interface Sample {
  readonly value: number;
  readonly labels: Labels;
  readonly metricName?: string;
}

/** What a prom-client Registry reads from a metric when it renders /metrics. */
interface ScrapedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' }>;
  reset(): void;
}

/** Series found by up to three label values, created on first use. */
class SeriesIndex<T> {
  readonly #root = new Map<string | number, unknown>();
  readonly all: T[] = [];
  constructor(
    private readonly labelNames: readonly string[],
    private readonly create: (labels: Labels) => T,
  ) {}

  get(a: string | number, b: string | number = '', c: string | number = ''): T {
    let m1 = this.#root.get(a) as Map<string | number, unknown> | undefined;
    if (m1 === undefined) this.#root.set(a, (m1 = new Map()));
    if (this.labelNames.length === 1) return (m1.get('') as T | undefined) ?? this.#add(m1, '', [a]);
    let m2 = m1.get(b) as Map<string | number, unknown> | undefined;
    if (m2 === undefined) m1.set(b, (m2 = new Map()));
    return (m2.get(c) as T | undefined) ?? this.#add(m2, c, [a, b, c]);
  }

  #add(into: Map<string | number, unknown>, key: string | number, values: readonly (string | number)[]): T {
    const labels: Labels = {};
    this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ''));
    const series = this.create(labels);
    into.set(key, series);
    this.all.push(series);
    return series;
  }

  clear(): void {
    this.#root.clear();
    this.all.length = 0;
  }

  /** Drops the series whose first label value `keep` refuses (a replica removed since). */
  retain(keep: (first: string) => boolean): void {
    const first = this.labelNames[0] as string;
    for (const k of [...this.#root.keys()]) if (!keep(String(k))) this.#root.delete(k);
    const kept = this.all.filter((s) => keep(String((s as { labels: Labels }).labels[first])));
    this.all.length = 0;
    this.all.push(...kept);
  }
}

interface CounterSeries {
  readonly labels: Labels;
  value: number;
}

/** A counter with one to three labels. */
export class FastCounter implements ScrapedMetric {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly #series: SeriesIndex<CounterSeries>;
  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[],
  ) {
    this.#series = new SeriesIndex(labelNames, (labels) => ({ labels, value: 0 }));
  }

  inc(by: number, a: string | number, b?: string | number, c?: string | number): void {
    this.#series.get(a, b, c).value += by;
  }

  get(): ReturnType<ScrapedMetric['get']> {
    const values = this.#series.all.map((s) => ({ value: s.value, labels: s.labels }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.#series.clear();
  }
}

interface HistogramSeries {
  readonly labels: Labels;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A histogram with two labels and fixed bucket bounds. */
export class FastHistogram implements ScrapedMetric {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #series: SeriesIndex<HistogramSeries>;
  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly [string, string],
    bounds: readonly number[],
    /** At each scrape, the first label values still wanted (others' series are dropped); undefined keeps all. */
    private readonly scope?: () => ReadonlySet<string> | undefined,
  ) {
    this.#bounds = [...bounds].sort((x, y) => x - y);
    this.#series = new SeriesIndex(labelNames, (labels) => ({ labels, counts: new Float64Array(bounds.length + 1), sum: 0, count: 0 }));
  }

  observe(value: number, a: string | number, b: string | number): void {
    const s = this.#series.get(a, b);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += value;
    s.count++;
  }

  get(): ReturnType<ScrapedMetric['get']> {
    const wanted = this.scope?.();
    if (wanted !== undefined) this.#series.retain((first) => wanted.has(first));
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.#series.all) {
      let acc = 0;
      this.#bounds.forEach((le, i) => {
        acc += s.counts[i] ?? 0;
        values.push({ value: acc, labels: { le, ...s.labels }, metricName: bucket });
      });
      values.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: bucket });
      values.push({ value: s.sum, labels: s.labels, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: s.labels, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.#series.clear();
  }

}

/** Adds a metric of this module to a prom-client registry. */
export function register(registry: Registry, metric: FastCounter | FastHistogram): void {
  registry.registerMetric(metric as unknown as Metric);
}
