/** How a long-running command ends: on SIGTERM or SIGINT, stop cleanly, then exit. */
import type { Logger } from '../log.ts';

/**
 * On the first SIGTERM or SIGINT, logs it, runs `stop` and exits 0 (1 when
 * stopping failed), logging that too. Later signals while it stops are ignored.
 */
export function stopOnSignals(logger: Logger, what: string, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${signal}, stopping${what === '' ? '' : ` ${what}`}`);
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
