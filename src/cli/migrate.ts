/** `resultsbus migrate`: applies the database migrations and exits. */
import { loadConfig } from '../config.ts';
import { parse } from './args.ts';
import { openMigrated } from './database.ts';

export const usage = `Usage: resultsbus migrate

Applies the migrations in drizzle/ to DATABASE_URL (or the PGlite data
directory RESULTSBUS_DATA_DIR) and exits. \`serve\` does this at start too.`;

export async function migrate(argv: string[]): Promise<void> {
  const { values } = parse(argv, {}, usage);
  if (values.help) {
    console.log(usage);
    return;
  }
  const config = loadConfig();
  const database = await openMigrated(config, 1);
  await database.close();
  console.log(`resultsbus: migrations applied (${database.engine})`);
}
