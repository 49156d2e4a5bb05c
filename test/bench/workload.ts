/**
 * The load shape: 50 testcases x 2,000 builds (items of type koji_build), no
 * arch, so 100,000 task-state keys. Key index k is testcase k % 50 of build
 * floor(k / 50): the first n keys are every testcase of the first n / 50
 * builds, which is what a store that has seen its first builds looks like.
 *
 * Outcomes: the first result of a key is PASSED; after that each result keeps
 * the outcome this generator last sent for the key, except that 10% of the
 * time it flips (PASSED <-> FAILED). So about 10% of the results on known keys
 * change the state and emit; the rest are stored as duplicates. (With
 * concurrent clients two results for one key can race; the server decides,
 * the generator's memory is only approximately the server's.)
 */

export const TESTCASES = [
  'dist.depcheck', 'dist.rpmlint', 'dist.upgradepath', 'dist.abicheck', 'dist.rpmgrill', 'dist.python-versions',
  'dist.rpmdeplint', 'dist.modulelint', 'dist.rpminspect', 'dist.fedora-ci.tier0',
] as const;

/** Deterministic PRNG (mulberry32), so runs draw the same keys. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type BenchOutcome = 'PASSED' | 'FAILED';

/** What the bench sends as `RecordResultInput`. */
export interface BenchInput {
  testcase: string;
  item: string;
  type: string;
  arch?: string;
  outcome: BenchOutcome;
  refUrl: string;
  note: string;
  data: Record<string, string>;
}

export interface WorkloadOptions {
  testcases: number;
  builds: number;
  /** Probability that a result on a known key flips its outcome. @default 0.1 */
  flip?: number;
  seed?: number;
}

export class Workload {
  readonly testcases: string[];
  readonly builds: string[];
  readonly keys: number;
  readonly flip: number;
  private readonly random: () => number;
  /** Last outcome sent per key; 0 = none yet, 1 = PASSED, 2 = FAILED. */
  private readonly last: Uint8Array;
  private serial = 0;

  constructor(options: WorkloadOptions) {
    this.testcases = Array.from({ length: options.testcases }, (_, i) => {
      const base = TESTCASES[i % TESTCASES.length] ?? 'dist.check';
      return i < TESTCASES.length ? base : `${base}.${Math.floor(i / TESTCASES.length)}`;
    });
    this.builds = Array.from({ length: options.builds }, (_, i) => {
      const pkg = `perl-Bench-${String(i).padStart(5, '0')}`;
      return `${pkg}-0.${(i % 40) + 1}-1.fc26`;
    });
    this.keys = options.testcases * options.builds;
    this.flip = options.flip ?? 0.1;
    this.random = prng(options.seed ?? 20170101);
    this.last = new Uint8Array(this.keys);
  }

  /** A uniformly random key among the first `limit` keys (all by default). */
  randomKey(limit = this.keys): number {
    return Math.floor(this.random() * Math.min(limit, this.keys));
  }

  /** Whether the generator has sent a result for this key. */
  known(key: number): boolean {
    return this.last[key] !== 0;
  }

  /** The next result for key `key`, following the flip model. */
  input(key: number): BenchInput {
    const t = key % this.testcases.length;
    const b = Math.floor(key / this.testcases.length);
    const before = this.last[key] ?? 0;
    let code = before === 0 ? 1 : before;
    if (before !== 0 && this.random() < this.flip) code = before === 1 ? 2 : 1;
    this.last[key] = code;
    const outcome: BenchOutcome = code === 1 ? 'PASSED' : 'FAILED';
    const n = ++this.serial;
    return {
      testcase: this.testcases[t] ?? 'dist.check',
      item: this.builds[b] ?? 'perl-Bench-0-1.fc26',
      type: 'koji_build',
      outcome,
      refUrl: `https://taskotron.example.org/artifacts/all/${n}/task_output/`,
      note: outcome === 'PASSED' ? '' : '3 problems found',
      data: { arch: 'x86_64', runner: `bench-${n % 16}` },
    };
  }
}

/**
 * What ResultsDB's users POST to `/api/v2.0/results` (issue 12 §3): the
 * testcase by name, the key in `data`, arch x86_64, an empty note.
 */
export interface RestResultBody {
  testcase: { name: string };
  outcome: BenchOutcome;
  data: { item: string; type: string; arch: string };
  ref_url: string;
  note: string;
}

/** The arch of the REST phase's results (ResultsDB's users send one). */
export const REST_ARCH = 'x86_64';

/** `input` as ResultsDB's users POST it. */
export function restBody(input: BenchInput): RestResultBody {
  return {
    testcase: { name: input.testcase },
    outcome: input.outcome,
    data: { item: input.item, type: input.type, arch: REST_ARCH },
    ref_url: input.refUrl,
    note: '',
  };
}

/**
 * The same result as a `recordResult` input: the same key (arch x86_64, so
 * the same task state as the REST body's) and the same stored data.
 */
export function graphqlTwin(input: BenchInput): BenchInput {
  return { ...input, arch: REST_ARCH, note: '', data: { item: input.item, type: input.type, arch: REST_ARCH } };
}
