/** The `resultsbus` command: dispatches to one file per subcommand. */
import { ConfigError } from '../config.ts';
import { CliError } from './args.ts';

const usage = `Usage: resultsbus <command> [options]

Commands:
  serve      serve the GraphQL API (what \`npm start\` runs)
  migrate    apply database migrations
  record     record one result over HTTP (RESULTSBUS_URL, RESULTSBUS_TOKEN)
  token      create, list or revoke API tokens
  schema     print the GraphQL schema (SDL)
  bridge     run the fedmsg bridge as a process of its own
  tail       print the fedmsgs on a bus, filling gaps from replay (--amqp: the AMQP bus)
  replay     ask a replay endpoint for past fedmsgs

Run \`resultsbus <command> --help\` for a command's options.`;

const commands: Record<string, () => Promise<{ run: (argv: string[]) => Promise<void> }>> = {
  serve: async () => ({ run: (await import('./serve.ts')).serve }),
  migrate: async () => ({ run: (await import('./migrate.ts')).migrate }),
  record: async () => ({ run: (await import('./record.ts')).record }),
  token: async () => ({ run: (await import('./token.ts')).token }),
  schema: async () => ({ run: (await import('./schema.ts')).schema }),
  bridge: async () => ({ run: (await import('./bridge.ts')).bridge }),
  tail: async () => ({ run: (await import('./tail.ts')).tail }),
  replay: async () => ({ run: (await import('./replay.ts')).replay }),
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // A mistake, not a request for help: the usage goes where errors go.
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return;
  }
  const load = commands[name];
  if (!load) throw new CliError(`unknown command ${JSON.stringify(name)}\n\n${usage}`);
  await (await load()).run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CliError) {
    console.error(`resultsbus: ${error.message}`);
    process.exit(error.exitCode);
  }
  if (error instanceof ConfigError) {
    console.error(`resultsbus: configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error('resultsbus:', error);
  process.exit(1);
});
