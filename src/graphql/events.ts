/**
 * Subscription events, executed once for all the subscribers that would get
 * the same answer, and pushed to their sockets without a round of promises
 * per subscriber.
 *
 * graphql-js runs a subscription's document once per event and subscriber.
 * Here the subscribers of one document are grouped by what can change the
 * answer: the operation, the variables used below the root field (the root
 * field's own arguments, `after` and `filter`, only choose which events a
 * subscriber gets, not what they look like) and the caller's credentials. A
 * group executes each event once, masks its errors as yoga would, and hands
 * the same result (and, for pushing, the same JSON) to every member.
 *
 * A member whose transport gave it a `FrameSink` (graphql-ws, see
 * src/app.ts) and whose stream can push (`EmissionStream.nextOrPush`) takes
 * its live events pushed: the follower's hand-out delivers a batch to every
 * member's group in one synchronous step, the group executes the batch's
 * events together (their loads batch into one read per kind) and writes
 * each member's frames in seq order. A member whose socket does not take
 * its frames (more than `PUSH_BACKLOG` bytes waiting) goes back to pulling,
 * where every frame waits for the socket, and catches up from the table.
 */
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, execute, type GraphQLError, type GraphQLSchema, Kind, type ASTNode, visit, createSourceEventStream } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { perDocument } from './memo.ts';

/** Where a transport writes a subscriber's `next` messages, already serialized. */
export interface FrameSink {
  /** Sends one `next` message carrying `payload` (the JSON of an execution result). */
  next(payload: string): void;
  /** Bytes written to the subscriber's socket and not yet taken by the network. */
  readonly backlog: number;
}

/** What a source stream must offer to be pushed (see `EmissionStream`). */
export interface PushSource<T> extends AsyncIterator<T> {
  /** `next()`, or, once live with nothing to pull, pushing to `push` from then on (`'pushing'`). */
  nextOrPush(push: { deliver(events: readonly T[]): void; ended(error: unknown): void }): Promise<IteratorResult<T, undefined> | 'pushing'>;
  /** Back to `next()`, after `last` (none: after where pushing began). */
  stopPush(last: T | undefined): void;
}

/** Bytes a pushed subscriber's socket may hold unsent before it goes back to pulling. */
export const PUSH_BACKLOG = 1 << 20;

export interface ShareOptions {
  /** The error masking yoga applies (and its logging of unexpected errors), applied once to each shared result. */
  maskError: (error: GraphQLError, message: string) => Error;
  /** What of the context can change an answer (the credentials). */
  callerOf: (context: unknown) => string | null;
  /** The transport's sink for a subscriber's frames, if it has one. */
  sinkOf: (context: unknown) => FrameSink | undefined;
}

function isPushSource(source: object): source is PushSource<object> {
  return typeof (source as Partial<PushSource<object>>).nextOrPush === 'function' && typeof (source as Partial<PushSource<object>>).stopPush === 'function';
}

interface Shared {
  result: ExecutionResult;
  /** The `next` payload as graphql-ws writes it, made once when first pushed. */
  json: string | undefined;
}

/**
 * The variables a subscription's answer depends on: those used anywhere but
 * in the arguments of its root fields (which pick events, not their shape).
 */
const variablesBelowRoot = perDocument((_schema, document) => {
  const names = new Set<string>();
  visit(document, {
    Variable(node, _key, parent, _path, ancestors) {
      const kinds = [...ancestors, parent].filter((a): a is ASTNode => a !== undefined && !Array.isArray(a) && typeof (a as ASTNode).kind === 'string').map((a) => a.kind);
      if (kinds[2] === Kind.VARIABLE_DEFINITION) return;
      const rootArgument = kinds[1] === Kind.OPERATION_DEFINITION && kinds[2] === Kind.SELECTION_SET && kinds[3] === Kind.FIELD && kinds[4] === Kind.ARGUMENT;
      if (!rootArgument) names.add(node.name.value);
    },
  });
  return [...names].sort();
});

/** The subscribers of one document that get the same answers. */
class Group {
  /** Each event's result, shared by the members (events are the same objects for every subscriber of a hand-out). */
  private readonly results = new WeakMap<object, Promise<Shared>>();
  private pending: Array<{ member: SharedStream; events: readonly object[] }> = [];
  private scheduled = false;
  /** Batches are written one after another, in the order they were handed out. */
  tail: Promise<void> = Promise.resolve();
  members = 0;

  constructor(
    private readonly args: ExecutionArgs,
    private readonly options: ShareOptions,
    readonly leave: () => void,
  ) {}

  resultOf(event: object): Promise<Shared> {
    let shared = this.results.get(event);
    if (shared === undefined) {
      shared = this.run(event);
      this.results.set(event, shared);
    }
    return shared;
  }

  private async run(event: object): Promise<Shared> {
    let result: ExecutionResult;
    try {
      result = await execute({ ...this.args, rootValue: event });
    } catch (error) {
      result = { errors: [error as GraphQLError] };
    }
    const mask = this.options.maskError;
    if (result.errors !== undefined) {
      result = { ...result, errors: result.errors.map((e) => mask(e, 'Unexpected error.') as GraphQLError) };
    }
    return { result, json: undefined };
  }

  /** Takes a member's events of one hand-out; all the members' deliveries of that hand-out are written together. */
  deliver(member: SharedStream, events: readonly object[]): void {
    this.pending.push({ member, events });
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const deliveries = this.pending;
      this.pending = [];
      // A failure ends the members it concerns (in `write`), never the chain.
      this.tail = this.tail.then(() => this.write(deliveries)).catch(() => {});
    });
  }

  private async write(deliveries: ReadonlyArray<{ member: SharedStream; events: readonly object[] }>): Promise<void> {
    const unique = new Set<object>();
    for (const { events } of deliveries) for (const event of events) unique.add(event);
    // Started together, so that their loads batch.
    const results = new Map<object, Shared>();
    await Promise.all([...unique].map(async (event) => results.set(event, await this.resultOf(event))));
    for (const { member, events } of deliveries) {
      try {
        member.write(events, results);
      } catch (error) {
        member.fail(error);
      }
    }
  }
}

/** Groups by schema, document and answer key. */
const groups = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Group>>>();

function groupOf(args: ExecutionArgs, options: ShareOptions): Group {
  const variables = (args.variableValues ?? {}) as Record<string, unknown>;
  const key = JSON.stringify([args.operationName ?? null, options.callerOf(args.contextValue), variablesBelowRoot(args.schema, args.document).map((name) => variables[name] ?? null)]);
  let bySchema = groups.get(args.schema);
  if (bySchema === undefined) {
    bySchema = new WeakMap();
    groups.set(args.schema, bySchema);
  }
  let byKey = bySchema.get(args.document);
  if (byKey === undefined) {
    byKey = new Map();
    bySchema.set(args.document, byKey);
  }
  let group = byKey.get(key);
  if (group === undefined) {
    const made: Group = new Group(args, options, () => {
      if (--made.members === 0 && byKey.get(key) === made) byKey.delete(key);
    });
    group = made;
    byKey.set(key, group);
  }
  group.members++;
  return group;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** One subscriber's results: pulled from its source, or pushed to its sink while the source can push. */
class SharedStream implements AsyncIterableIterator<ExecutionResult> {
  private closed = false;
  private pushing = false;
  /** Wakes the `next()` that waits while events are pushed, with why (kept until it looks). */
  private wake: (() => void) | undefined;
  private why: 'pull' | 'end' | undefined;
  /** The last event written to the sink since pushing began. */
  private lastPushed: object | undefined;
  private over: { error: unknown } | undefined;

  constructor(
    private readonly group: Group,
    private readonly source: AsyncIterator<object>,
    private readonly sink: FrameSink | undefined,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    const source = this.source;
    while (!this.closed) {
      const push = this.sink !== undefined && isPushSource(source) && this.over === undefined;
      // Set first: the source may hand out events before this continues.
      this.pushing = push;
      this.lastPushed = undefined;
      const pulled = push ? await source.nextOrPush(this) : await source.next();
      if (pulled === 'pushing') {
        if (this.why === undefined && !this.closed) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
        const why = this.why;
        this.why = undefined;
        this.wake = undefined;
        if (why === 'pull') continue;
        break;
      }
      this.pushing = false;
      if (pulled.done === true || this.closed) break;
      return { done: false, value: (await this.group.resultOf(pulled.value)).result };
    }
    this.finish();
    const over = this.over;
    if (over !== undefined && over.error !== undefined) throw over.error;
    return DONE;
  }

  /** Called by the source in its hand-out. */
  deliver(events: readonly object[]): void {
    this.group.deliver(this, events);
  }

  /** Called by the source when it ends: after the frames of what it delivered. */
  ended(error: unknown): void {
    void this.group.tail.then(() => {
      this.over = { error };
      this.pushing = false;
      this.rouse('end');
    });
  }

  /** Ends the stream with `error` (graphql-ws sends it as the operation's error). */
  fail(error: unknown): void {
    this.over = { error };
    this.pushing = false;
    void this.source.return?.();
    this.rouse('end');
  }

  /** Writes the frames of pushed events, unless the socket is too far behind (then back to pulling). */
  write(events: readonly object[], results: ReadonlyMap<object, Shared>): void {
    const sink = this.sink;
    if (!this.pushing || sink === undefined) return;
    for (const event of events) {
      if (sink.backlog > PUSH_BACKLOG) {
        this.pushing = false;
        (this.source as PushSource<object>).stopPush(this.lastPushed);
        this.rouse('pull');
        return;
      }
      const shared = results.get(event);
      if (shared === undefined) continue;
      shared.json ??= payloadJson(shared.result);
      sink.next(shared.json);
      this.lastPushed = event;
    }
  }

  private rouse(why: 'pull' | 'end'): void {
    if (this.why !== 'end') this.why = why;
    this.wake?.();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.pushing = false;
    this.group.leave();
  }

  async return(): Promise<IteratorReturnResult<undefined>> {
    const wasClosed = this.closed;
    this.finish();
    this.rouse('end');
    if (!wasClosed) await this.source.return?.();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorReturnResult<undefined>> {
    await this.return();
    throw error;
  }
}

/** The `payload` of a `next` message, as graphql-ws writes it (errors through their `toJSON`). */
function payloadJson(result: ExecutionResult): string {
  const { errors, ...rest } = result;
  return JSON.stringify(errors === undefined ? rest : { ...rest, errors: errors.map((e) => e.toJSON()) });
}

/**
 * Runs subscriptions through the groups above instead of graphql-js's
 * per-subscriber `subscribe` (yoga's other plugins still see every
 * subscription start and every pulled result).
 */
export function shareSubscriptionEvents(options: ShareOptions): Plugin {
  const subscribe = async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const iterator = source[Symbol.asyncIterator]() as AsyncIterator<object>;
    return new SharedStream(groupOf(args, options), iterator, options.sinkOf(args.contextValue));
  };
  return {
    onSubscribe: ({ setSubscribeFn }) => {
      setSubscribeFn(subscribe as Parameters<typeof setSubscribeFn>[0]);
    },
  };
}
