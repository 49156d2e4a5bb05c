/** `resultsbus token create NAME | list | revoke NAME`: API tokens, straight in the database. */
import { createToken, listTokens, revokeToken } from '../auth/tokens.ts';
import { loadConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { CliError, parse } from './args.ts';
import { openMigrated } from './database.ts';

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
  if (action === undefined) throw new CliError(`token needs an action: create NAME, list or revoke NAME\n\n${usage}`);
  if (!['create', 'list', 'revoke'].includes(action)) {
    throw new CliError(`unknown token action ${JSON.stringify(action)}; use create NAME, list or revoke NAME\n\n${usage}`);
  }
  const needsName = action === 'create' || action === 'revoke';
  if (needsName && !name) throw new CliError(`token ${action} needs a NAME\n\n${usage}`);
  const extra = needsName ? rest : [name, ...rest].filter((p) => p !== undefined);
  if (extra.length > 0) {
    throw new CliError(`token ${action} takes ${needsName ? 'one NAME' : 'no NAME'}; unexpected ${extra.map((p) => JSON.stringify(p)).join(' ')}\n\n${usage}`);
  }
  const config = loadConfig();
  const database = await openMigrated(config, 1);
  try {
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
