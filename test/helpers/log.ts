/** A logger for tests: every line it writes, parsed, to read back. */
import { createLogger, type Logger } from '../../src/log.ts';

export interface LogLine {
  level: string;
  msg: string;
  reqId?: string;
  err?: { type?: string; message?: string; stack?: string };
  [field: string]: unknown;
}

export interface MemoryLogger {
  logger: Logger;
  /** The lines so far, as objects. */
  lines(): LogLine[];
  /** Their messages, one a line. */
  text(): string;
}

export function memoryLogger(level: 'debug' | 'info' = 'info'): MemoryLogger {
  const lines: LogLine[] = [];
  const logger = createLogger({ level, format: 'json', destination: { write: (line: string) => lines.push(JSON.parse(line) as LogLine) } });
  return { logger, lines: () => lines, text: () => lines.map((l) => l.msg).join('\n') };
}
