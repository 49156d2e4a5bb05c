/** `resultsbus record ...`: records one result over HTTP and says whether it emitted. */
import { graphql } from '../generated/index.ts';
import type { RecordResultInput } from '../generated/graphql.ts';
import { CliError, parse } from './args.ts';
import { request } from './http.ts';

export const usage = `Usage: resultsbus record --testcase T --item I --type TYPE --outcome OUTCOME
                         [--arch A] [--note TEXT] [--ref-url URL] [--data k=v ...]
                         [--group G ...] [--force] [--json]

Records one result through the API at RESULTSBUS_URL (default
http://127.0.0.1:4000) with the token in RESULTSBUS_TOKEN, and prints whether
it emitted. --data may repeat; a key given twice becomes a list.

Example:
  resultsbus record --testcase dist.depcheck --item perl-Specio-0.25-1.fc26 \\
    --type koji_build --outcome PASSED --ref-url https://ci.example.org/42/`;

export const RecordResultDocument = graphql(`
  mutation RecordResult($input: RecordResultInput!) {
    recordResult(input: $input) {
      emitted
      result { resultId stateVersion }
      emission { seq msgId outcome prevOutcome forced }
      duplicateOf { seq outcome }
    }
  }
`);

export function parseData(pairs: string[]): Record<string, string | string[]> {
  const data: Record<string, string | string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--data takes key=value, got ${JSON.stringify(pair)}`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const prev = data[key];
    data[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return data;
}

export async function record(argv: string[]): Promise<void> {
  const { values } = parse(
    argv,
    {
      testcase: { type: 'string' },
      item: { type: 'string' },
      type: { type: 'string' },
      outcome: { type: 'string' },
      arch: { type: 'string' },
      note: { type: 'string' },
      'ref-url': { type: 'string' },
      data: { type: 'string', multiple: true },
      group: { type: 'string', multiple: true },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    usage,
  );
  if (values.help) {
    console.log(usage);
    return;
  }
  const missing = (['testcase', 'item', 'type', 'outcome'] as const).filter((k) => values[k] === undefined);
  if (missing.length > 0) throw new CliError(`missing ${missing.map((m) => `--${m}`).join(', ')}\n\n${usage}`);
  const input: RecordResultInput = {
    testcase: values.testcase ?? '',
    item: values.item ?? '',
    type: values.type ?? '',
    // The server knows its outcomes (configured extras too) and explains a wrong one.
    outcome: (values.outcome ?? '').toUpperCase() as RecordResultInput['outcome'],
    arch: values.arch,
    note: values.note,
    refUrl: values['ref-url'],
    data: values.data ? parseData(values.data) : undefined,
    groups: values.group,
    force: values.force ?? false,
  };
  const payload = (await request(RecordResultDocument, { input })).recordResult;
  if (values.json) {
    console.log(JSON.stringify(payload));
    return;
  }
  const id = payload.result.resultId;
  if (payload.emitted && payload.emission) {
    const e = payload.emission;
    const change = e.forced ? `${e.outcome} again (forced)` : `${e.prevOutcome ?? '(first)'} -> ${e.outcome}`;
    console.log(`emitted seq ${e.seq}: ${change}; result ${id}, msg_id ${e.msgId}`);
  } else {
    const dup = payload.duplicateOf;
    console.log(`not emitted: state unchanged (${dup?.outcome ?? '?'}), covered by seq ${dup?.seq ?? '?'}; result ${id} stored`);
  }
}
