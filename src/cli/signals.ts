/** How a long-running command ends: on SIGTERM or SIGINT, stop cleanly, then exit. */

/**
 * On the first SIGTERM or SIGINT, says so, runs `stop` and exits 0 (1 when
 * stopping failed). Later signals while it stops are ignored.
 */
export function stopOnSignals(what: string, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`resultsbus: ${signal}, stopping${what === '' ? '' : ` ${what}`}`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('resultsbus: error while stopping', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
