/**
 * The structured log of the long-running commands (`serve`, `bridge`): pino,
 * one JSON object a line, or one readable line per event when a person
 * watches. A line about a request carries its id (`reqId`), which the client
 * got back in `x-request-id`: it is passed along with the request (the
 * GraphQL context, yoga's server context), not looked up from an
 * AsyncLocalStorage, which on Node 20 costs on every promise of the process.
 */
import { randomUUID } from 'node:crypto';
import { pino, type Logger as PinoLogger } from 'pino';
import type { LogFormat, LogLevel } from './config.ts';

export type Logger = PinoLogger;


/** Where log lines go: anything with a `write` of one line at a time. */
export interface LogDestination {
  write(line: string): unknown;
  /** Whether a person is watching it (a terminal). */
  isTTY?: boolean;
}

export interface LoggerOptions {
  /** The lowest level written. @default "info" */
  level?: LogLevel;
  /** JSON lines, or readable lines for a person. @default "pretty" when `destination` is a TTY, else "json" */
  format?: LogFormat | undefined;
  /** @default process.stdout */
  destination?: LogDestination;
}

// What a caller may send as its own request id: short, printable, no spaces.
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The caller's `x-request-id` when it is a sensible one, else a fresh UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

const MAX_MESSAGE = 2000;

/**
 * An error as a bounded object: a failed query's message carries every
 * parameter, which for a batch can be megabytes of results; the stack is cut
 * to its first frames.
 */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: clip(String(error)) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: clip(error.message),
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack.split('\n').slice(1, 6).map((l) => l.trim()).join('\n') }),
    ...(error.cause === undefined ? {} : { cause: serializeError(error.cause) }),
  };
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}... [${text.length - MAX_MESSAGE} more characters]` : text;
}

/** pino's own fields, which the readable format shows in its own way. */
const OWN_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/**
 * One readable line per JSON line: `12:01:02.345 INFO  msg key=value ...`.
 * A few lines of code instead of pino-pretty, which would bring a dozen
 * packages (and a CLI's worth of options) for this.
 */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof record['time'] === 'string' ? record['time'].slice(11, 23) : '';
  const level = String(record['level'] ?? '').toUpperCase().padEnd(5);
  const fields = Object.entries(record)
    .filter(([key]) => !OWN_FIELDS.has(key) && key !== 'err')
    .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  const err = record['err'] as { type?: string; message?: string; stack?: string } | undefined;
  const tail = err === undefined ? '' : `\n    ${err.type ?? 'Error'}: ${err.message ?? ''}${err.stack ? `\n    ${err.stack.split('\n').join('\n    ')}` : ''}`;
  return `${time} ${level} ${String(record['msg'] ?? '')}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${tail}\n`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stdout;
  const format = options.format ?? (destination.isTTY === true ? 'pretty' : 'json');
  // Written synchronously, in order with the process's other output (the
  // first token, which is plain text): process.stdout to a pipe or a file is
  // synchronous on Linux, and a command exits right after its last line.
  const stream = format === 'pretty' ? { write: (line: string) => destination.write(prettyLine(line)) } : destination;
  return pino(
    {
      name: 'resultsbus',
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
    },
    stream,
  );
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return createLogger({ level: 'silent', destination: { write: () => {} } });
}
