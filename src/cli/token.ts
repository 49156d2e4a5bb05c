/** `resultsbus token create NAME | list | revoke NAME`: API tokens, straight in the database. */
import { createToken, listTokens, revokeToken } from '../auth/tokens.ts';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { UserError } from '../errors.ts';
import { CliError, parse } from './args.ts';

export const usage = `Usage: resultsbus token create NAME
       resultsbus token list
       resultsbus token revoke NAME

Manages the bearer tokens that may record results. Works on DATABASE_URL, or on
the PGlite data directory RESULTSBUS_DATA_DIR (stop the server first: PGlite
allows one process). A token is printed once, at creation; only its hash is kept.`;

export async function token(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {}, usage);
  if (values.help) {
    console.log(usage);
    return;
  }
  const [action, name, ...rest] = positionals;
  const needsName = action === 'create' || action === 'revoke';
  if (!action || !['create', 'list', 'revoke'].includes(action) || (needsName && !name) || rest.length > 0 || (!needsName && name)) {
    throw new CliError(usage);
  }
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    await migrate(database);
    if (action === 'create' && name) {
      const secret = await createToken(database.db, name);
      console.log(secret);
      console.error(`resultsbus: token "${name}" created; it is shown only this once`);
    } else if (action === 'revoke' && name) {
      await revokeToken(database.db, name);
      console.error(`resultsbus: token "${name}" revoked (running servers stop accepting it within 5 s)`);
    } else {
      const tokens = await listTokens(database.db);
      if (tokens.length === 0) console.error('resultsbus: no tokens');
      for (const t of tokens) console.log(`${t.name}\t${t.createdAt.toISOString()}`);
    }
  } catch (error) {
    if (error instanceof UserError) throw new CliError(error.message, 1);
    throw error;
  } finally {
    await database.close();
  }
}
