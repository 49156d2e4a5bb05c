/**
 * The rule (design.md, "The rule"), as one pure function: given what a key
 * has emitted so far and a new result, whether the result emits. Everything
 * that records results (one call, a batch, a group of calls) decides with
 * it, over task-state rows it has locked; nothing else decides.
 */

/** What the rule needs to know of a key: the outcome it last emitted, if it ever emitted. */
export interface RuleState {
  /** Whether the key has emitted at all. */
  emitted: boolean;
  /** The outcome of its last emission; null when it never emitted. */
  emittedOutcome: string | null;
}

/** What a result brings to the rule. */
export interface RuleInput {
  outcome: string;
  /** Emit even when the outcome is the one last emitted. */
  force: boolean;
}

/**
 * The decision for one result: it emits (the first time, on a change, or
 * forced) with the outcome it replaces, or it duplicates the key's last
 * emission.
 */
export type Decision =
  | {
      emit: true;
      /** The outcome last emitted before this one; null for a key's first emission. */
      prevOutcome: string | null;
      /** Emitted only because it was forced: the outcome is the one last emitted. */
      forced: boolean;
    }
  | { emit: false };

/** Decides one result against its key's state. */
export function decide(state: RuleState, input: RuleInput): Decision {
  if (!state.emitted) return { emit: true, prevOutcome: null, forced: false };
  const changed = input.outcome !== state.emittedOutcome;
  if (changed || input.force) return { emit: true, prevOutcome: state.emittedOutcome, forced: !changed };
  return { emit: false };
}

/** The key's state after `decision`: what the next result of the key is decided against. */
export function after(state: RuleState, input: RuleInput, decision: Decision): RuleState {
  return decision.emit ? { emitted: true, emittedOutcome: input.outcome } : state;
}
