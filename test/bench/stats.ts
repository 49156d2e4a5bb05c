/** Small statistics and formatting helpers for the benchmark. */

/** Latency samples in milliseconds, kept whole so percentiles are exact. */
export class Samples {
  private values: number[] = [];
  private sorted: number[] | undefined;

  add(ms: number): void {
    this.values.push(ms);
    this.sorted = undefined;
  }

  addAll(other: Samples): void {
    for (const v of other.values) this.values.push(v);
    this.sorted = undefined;
  }

  get count(): number {
    return this.values.length;
  }

  /** Nearest-rank percentile, `p` in [0, 100]; NaN when empty. */
  percentile(p: number): number {
    if (this.values.length === 0) return Number.NaN;
    this.sorted ??= [...this.values].sort((a, b) => a - b);
    const rank = Math.min(this.sorted.length - 1, Math.max(0, Math.ceil((p / 100) * this.sorted.length) - 1));
    return this.sorted[rank] ?? Number.NaN;
  }

  get mean(): number {
    if (this.values.length === 0) return Number.NaN;
    let sum = 0;
    for (const v of this.values) sum += v;
    return sum / this.values.length;
  }

  get max(): number {
    return this.percentile(100);
  }
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
}

export function rate(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value)}` : 'n/a';
}

export function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
