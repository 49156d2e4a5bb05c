/**
 * The rule as a pure function (src/results/decide.ts), without a database:
 * the first result of a key emits, a change emits, a repeat does not unless
 * forced, and a forced repeat says so.
 */
import { describe, expect, it } from 'vitest';
import { after, decide, type Decision, type RuleState } from '../../src/results/decide.ts';

const NEW: RuleState = { emitted: false, emittedOutcome: null };

/** The decisions for a key's results in order, from a new key. */
function run(results: Array<{ outcome: string; force?: boolean }>): Decision[] {
  let state = NEW;
  return results.map((r) => {
    const input = { outcome: r.outcome, force: r.force ?? false };
    const decision = decide(state, input);
    state = after(state, input, decision);
    return decision;
  });
}

describe('decide', () => {
  it('emits the first result of a key, forced or not, as a first emission', () => {
    expect(decide(NEW, { outcome: 'PASSED', force: false })).toEqual({ emit: true, prevOutcome: null, forced: false });
    expect(decide(NEW, { outcome: 'PASSED', force: true })).toEqual({ emit: true, prevOutcome: null, forced: false });
  });

  it('emits a change with the outcome it replaces; a repeat duplicates; a forced repeat emits as forced', () => {
    const state: RuleState = { emitted: true, emittedOutcome: 'PASSED' };
    expect(decide(state, { outcome: 'FAILED', force: false })).toEqual({ emit: true, prevOutcome: 'PASSED', forced: false });
    expect(decide(state, { outcome: 'FAILED', force: true })).toEqual({ emit: true, prevOutcome: 'PASSED', forced: false });
    expect(decide(state, { outcome: 'PASSED', force: false })).toEqual({ emit: false });
    expect(decide(state, { outcome: 'PASSED', force: true })).toEqual({ emit: true, prevOutcome: 'PASSED', forced: true });
  });

  it('compares with the outcome last emitted, not the last recorded: PASSED, PASSED, FAILED, FAILED, PASSED, PASSED(force)', () => {
    expect(run([{ outcome: 'PASSED' }, { outcome: 'PASSED' }, { outcome: 'FAILED' }, { outcome: 'FAILED' }, { outcome: 'PASSED' }, { outcome: 'PASSED', force: true }])).toEqual([
      { emit: true, prevOutcome: null, forced: false },
      { emit: false },
      { emit: true, prevOutcome: 'PASSED', forced: false },
      { emit: false },
      { emit: true, prevOutcome: 'FAILED', forced: false },
      { emit: true, prevOutcome: 'PASSED', forced: true },
    ]);
  });

  it('keeps the state of a duplicate as it was', () => {
    const state: RuleState = { emitted: true, emittedOutcome: 'INFO' };
    const input = { outcome: 'INFO', force: false };
    expect(after(state, input, decide(state, input))).toBe(state);
    expect(after(state, { outcome: 'FAILED', force: false }, { emit: true, prevOutcome: 'INFO', forced: false })).toEqual({ emitted: true, emittedOutcome: 'FAILED' });
  });
});
