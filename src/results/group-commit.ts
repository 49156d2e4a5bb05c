/**
 * Group commit by natural batching: calls that arrive while a group is being
 * committed wait, and the next group is made of all of them (up to the
 * caps), in arrival order. There is no timer: a call that finds a free slot
 * starts at once, alone, so an idle server adds no latency; groups form only
 * from calls that are already waiting, so they grow with the load.
 *
 * What holds, whatever the group:
 * - a call is answered only once the transaction that holds its results has
 *   committed, and never with the results of a group that rolled back;
 * - a call is never split: its results are in one group, all or none;
 * - one call's mistake never fails another: a group whose transaction
 *   failed and was rolled back (a statement refused, a statement or lock
 *   timeout) is retried call by call, each in a transaction of its own, and
 *   each caller gets its own answer or error. A fault after which nobody can
 *   tell whether the commit happened (a lost connection, no answer, a lost
 *   answer) is not retried: a call retried after a commit would be recorded
 *   twice. Every caller of the group gets the fault, as it would alone, and
 *   may retry it (README, "Retrying").
 */
import { rolledBack } from '../db/faults.ts';

/** How large a group may grow. */
export interface GroupCaps {
  /** Most results in one group; a call with more forms a group alone. */
  maxResults: number;
  /** Most bytes (as `size` counts them) in one group; a call with more forms a group alone. */
  maxBytes: number;
  /**
   * How many groups may be in flight at once: while one waits for its
   * commit (its WAL flush), the next one can take its locks and write.
   */
  concurrency: number;
}

/** The default caps of a group: RESULTSBUS_GROUP_MAX_RESULTS and RESULTSBUS_GROUP_MAX_BYTES. */
export const DEFAULT_GROUP = { maxResults: 1000, maxBytes: 4 * 1024 * 1024 };

/** What a group's commit tells of itself, for the metrics. */
export interface GroupReport {
  /** Calls in the group. */
  calls: number;
  /** Results in the group. */
  results: number;
  /** Whether the group failed and was retried call by call. */
  retried: boolean;
}

interface Waiting<I, O> {
  inputs: readonly I[];
  bytes: number;
  resolve: (outputs: O[]) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<I, O> {
  private readonly waiting: Array<Waiting<I, O>> = [];
  private inFlight = 0;

  /**
   * @param commit records `inputs` in one transaction and returns one output per input, in order, once
   *   committed; it must throw only when the transaction did not commit (what follows a commit, it must
   *   keep from throwing), or a group would be retried after its commit
   * @param size the bytes an input counts for against `maxBytes`
   * @param onGroup told of every group once it is done
   */
  constructor(
    private readonly caps: GroupCaps,
    private readonly commit: (inputs: readonly I[]) => Promise<O[]>,
    private readonly size: (input: I) => number,
    private readonly onGroup?: (report: GroupReport) => void,
  ) {}

  /** Records one call's inputs, all or nothing, in some group; resolves once they are committed. */
  submit(inputs: readonly I[]): Promise<O[]> {
    let bytes = 0;
    for (const input of inputs) bytes += this.size(input);
    return new Promise<O[]>((resolve, reject) => {
      this.waiting.push({ inputs, bytes, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.caps.concurrency && this.waiting.length > 0) {
      const group = this.take();
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The next group: the first waiting call, then the ones behind it while the caps allow. */
  private take(): Array<Waiting<I, O>> {
    const group: Array<Waiting<I, O>> = [];
    let results = 0;
    let bytes = 0;
    for (const next of this.waiting) {
      if (group.length > 0 && (results + next.inputs.length > this.caps.maxResults || bytes + next.bytes > this.caps.maxBytes)) break;
      group.push(next);
      results += next.inputs.length;
      bytes += next.bytes;
    }
    this.waiting.splice(0, group.length);
    return group;
  }

  private async run(group: Array<Waiting<I, O>>): Promise<void> {
    const results = group.reduce((n, call) => n + call.inputs.length, 0);
    let retried = false;
    try {
      if (group.length === 1) {
        await this.alone(group[0] as Waiting<I, O>);
        return;
      }
      let outputs: O[];
      try {
        outputs = await this.commit(group.flatMap((call) => call.inputs));
      } catch (error) {
        if (!rolledBack(error)) {
          for (const call of group) call.reject(error);
          return;
        }
        // Rolled back: nothing of it was written. Each call on its own.
        retried = true;
        await Promise.all(group.map((call) => this.alone(call)));
        return;
      }
      let at = 0;
      for (const call of group) {
        call.resolve(outputs.slice(at, at + call.inputs.length));
        at += call.inputs.length;
      }
    } finally {
      try {
        this.onGroup?.({ calls: group.length, results, retried });
      } catch {
        // A report is no part of the recording; its failure must not end the process.
      }
    }
  }

  private async alone(call: Waiting<I, O>): Promise<void> {
    try {
      call.resolve(await this.commit(call.inputs));
    } catch (error) {
      call.reject(error);
    }
  }
}
