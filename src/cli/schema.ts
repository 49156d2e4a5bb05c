/** `resultsbus schema [--check FILE]`: prints the GraphQL SDL, or checks a file against it. */
import { readFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { allOutcomes, STANDARD_OUTCOMES } from '../config.ts';
import { buildSchema } from '../graphql/schema/index.ts';
import { CliError, parse } from './args.ts';

export const usage = `Usage: resultsbus schema [--check FILE]

Prints the GraphQL schema (SDL) of the default configuration. With --check,
exits 1 when FILE differs from it (CI runs it on schema/schema.graphql).`;

/** The SDL as checked in: default configuration, no extra outcomes. */
export function printSdl(): string {
  const schema = buildSchema({ outcomes: allOutcomes({ extraOutcomes: [] }), maxBatch: 1000 });
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

export async function schema(argv: string[]): Promise<void> {
  const { values } = parse(argv, { check: { type: 'string' } }, usage);
  if (values.help) {
    console.log(usage);
    return;
  }
  const sdl = printSdl();
  if (values.check === undefined) {
    process.stdout.write(sdl);
    return;
  }
  const current = readFileSync(values.check, 'utf8');
  if (current !== sdl) {
    throw new CliError(`${values.check} is stale: run \`npm run schema\` and commit the result (outcomes: ${STANDARD_OUTCOMES.length} standard)`, 1);
  }
  console.log(`${values.check} is current`);
}
