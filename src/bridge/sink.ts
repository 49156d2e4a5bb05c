/**
 * What a bridge publishes to: the ZeroMQ PUB socket (src/fedmsg/sink.ts) or
 * a RabbitMQ exchange (src/amqp/sink.ts). The bridge owns the stream, the
 * cursor and the lock; a sink only turns an emission into its messages and
 * hands them to its bus, saying when they are done.
 */
import type { EmissionForBus } from '../fedmsg/envelope.ts';

/** A message handed to the bus. */
export interface Delivery {
  /**
   * Settles when the bus has taken the message for good (AMQP: the broker
   * confirmed it) or refused it; `undefined` when handing it over was all
   * there is (ZeroMQ). The cursor passes a message only once this resolved.
   */
  confirmed: Promise<void> | undefined;
}

export interface BusSink<M> {
  /** What log lines call this bus, e.g. `fedmsg` or `AMQP`. */
  readonly kind: string;
  /**
   * How many emissions may be in the making (`encode`) at once ahead of the
   * one sent next.
   */
  readonly encodeWindow: number;
  /**
   * Called when the bridge has taken its lock, before it follows the stream.
   * A throw at the bridge's start reaches its caller (a bad setting: an
   * address in use); later ones are logged and the lock let go.
   */
  open(): Promise<void>;
  /**
   * Resolves once the bus takes messages (AMQP: connected, retrying with
   * backoff while it cannot), or once `signal` aborts. Never throws.
   */
  ready(signal: AbortSignal): Promise<void>;
  /** The messages of `emission`: a pure function of the row and the settings, so a re-send is the same bytes. */
  encode(emission: EmissionForBus): Promise<M>;
  /** Hands `message` to the bus; resolves when it was taken (waiting while the bus pushes back). */
  send(message: M): Promise<Delivery>;
  /** After a failed send or confirm: drop the connection, so that `ready` makes a fresh one. */
  reset(error: unknown): Promise<void>;
  /** Closes what `open` and `ready` opened. */
  close(): Promise<void>;
  /** Whether the bus takes messages right now. */
  readonly connected: boolean;
  /** The last failure to reach the bus (AMQP: connecting), and when; `undefined` when there was none. */
  readonly lastError: { message: string; at: Date } | undefined;
}
