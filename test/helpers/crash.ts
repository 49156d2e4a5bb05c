/**
 * What the crash tests (a SIGKILL of `resultsbus serve` under load, then a
 * restart: test/bridge/crash.test.ts for ZeroMQ, test/amqp/crash.test.ts for
 * AMQP) share: writers that go on through the kill, and every emission the
 * database holds afterwards.
 */
import { postGraphQL } from '../cli/process.ts';

const RECORD = `mutation CrashRecord($input: RecordResultInput!) { recordResult(input: $input) { emitted } }`;
const EMISSIONS = `query CrashEmissions($after: String) {
  emissions(first: 500, after: $after) { edges { node { seq msgId } } pageInfo { hasNextPage endCursor } }
}`;

/** The first token `serve` prints on an empty store. */
export const FIRST_TOKEN = /created the first API token "default" \(shown only this once\):\n\n {4}(rb_[A-Za-z0-9_-]{43})\n/;

interface EmissionsPage {
  emissions: { edges: Array<{ node: { seq: number; msgId: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

/** Every emission the server at `url` has, in seq order. */
export async function allEmissions(url: string): Promise<Array<{ seq: number; msgId: string }>> {
  const found: Array<{ seq: number; msgId: string }> = [];
  let after: string | null = null;
  for (;;) {
    const response = await postGraphQL(url, EMISSIONS, { after });
    const page = response.data as EmissionsPage | undefined;
    if (!page) throw new Error(`emissions query failed: ${JSON.stringify(response.errors)}`);
    found.push(...page.emissions.edges.map((e) => e.node));
    if (!page.emissions.pageInfo.hasNextPage) return found;
    after = page.emissions.pageInfo.endCursor;
  }
}

/** Records flips on `keys` builds, one writer per key, until `stop()`; counts acknowledged results. */
export function flipWriters(url: string, token: string, keys: number): { readonly acknowledged: number; stop(): Promise<void> } {
  let running = true;
  let acknowledged = 0;
  const loops = Array.from({ length: keys }, async (_, k) => {
    for (let n = 0; running; n++) {
      const input = { testcase: 'dist.depcheck', item: `crash-${k}-1.0-1.fc26`, type: 'koji_build', outcome: n % 2 === 0 ? 'PASSED' : 'FAILED' };
      try {
        const response = await postGraphQL(url, RECORD, { input }, token);
        if (response.data) acknowledged++;
      } catch {
        // The server is gone; the loop ends with `stop()`.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });
  return {
    get acknowledged() {
      return acknowledged;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
