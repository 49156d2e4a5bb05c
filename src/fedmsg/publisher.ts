/**
 * The bus side of the bridge: a ZeroMQ PUB socket, bound, sending two frames
 * per message (topic, envelope). PUB never blocks on a subscriber: past the
 * high-water mark it drops that subscriber's messages, and the replay
 * endpoint is how the subscriber fills the gap.
 */
import { Publisher } from 'zeromq';

export class BusError extends Error {
  override name = 'BusError';
}

/** Turns a bind failure into a message that says what to change. */
export function bindError(what: string, endpoint: string, setting: string, error: unknown): BusError {
  const code = (error as { code?: unknown } | null)?.code;
  const why =
    code === 'EADDRINUSE'
      ? 'the address is in use (another bridge or program?)'
      : code === 'EACCES'
        ? 'permission denied'
        : error instanceof Error
          ? error.message
          : String(error);
  return new BusError(`cannot bind the ${what} at ${endpoint}: ${why}; set ${setting} to a free endpoint`, { cause: error });
}

export interface BusPublisherOptions {
  /** Messages queued per subscriber before PUB drops for it. @default 10000 */
  highWaterMark?: number;
}

export class BusPublisher {
  private constructor(private readonly socket: Publisher) {}

  /** Binds `endpoint` (`tcp://host:*` picks a free port; see `endpoint`). */
  static async bind(endpoint: string, options: BusPublisherOptions = {}): Promise<BusPublisher> {
    // A second of linger: what is queued when the bridge stops (the cursor
    // counts it as sent) still goes out to subscribers that keep up.
    const socket = new Publisher({ sendHighWaterMark: options.highWaterMark ?? 10000, linger: 1000 });
    try {
      await socket.bind(endpoint);
    } catch (error) {
      socket.close();
      throw bindError('fedmsg PUB socket', endpoint, 'RESULTSBUS_FEDMSG_ENDPOINT', error);
    }
    return new BusPublisher(socket);
  }

  /** The endpoint actually bound, with the port the OS chose for `*`. */
  get endpoint(): string {
    return this.socket.lastEndpoint ?? '';
  }

  /** Queues one message for every connected subscriber; never waits for them. */
  async send(topic: string, envelope: Buffer): Promise<void> {
    await this.socket.send([topic, envelope]);
  }

  close(): void {
    this.socket.close();
  }
}
