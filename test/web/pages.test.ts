/**
 * Each dashboard page in a real browser (Debian's chromium, the network
 * limited to the test server), on data the test recorded: what a person
 * reads (outcomes, history rows, the grid's cells, the links, the bridges),
 * at 1,280 px and at 400 px, with a screenshot of each in test-artifacts/web/.
 * The server runs both bridges: fedmsg, and AMQP to the local RabbitMQ
 * through a proxy the bus page's test cuts (without a broker, outside CI,
 * the server runs the fedmsg bridge alone and that test skips).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { AmqpConsumer, AMQP_URL, brokerMissing, uniquePrefix } from '../helpers/amqp.ts';
import { faultProxy, type FaultProxy } from '../helpers/proxy.ts';
import { post } from '../helpers/rest.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { needChromium, offlineBrowser, type OfflineBrowser, screenshot } from './browser.ts';

const NEW = 'perl-Specio-0.25-1.fc26';
const OLD = 'perl-Specio-0.24-1.fc26';
const OTHER = 'perl-Specio-Extra-1.0-1.fc26';

const Record = `mutation($input: RecordResultInput!) { recordResult(input: $input) { emitted emission { seq } result { resultId } } }`;

const noBroker = await brokerMissing();
const prefix = uniquePrefix();
const AMQP_BRIDGE = `${prefix}-amqp`;

let server: TestServer;
let browser: OfflineBrowser | undefined;
let origin: string;
let broker: FaultProxy | undefined;
let consumer: AmqpConsumer | undefined;

interface Input {
  testcase: string;
  item: string;
  outcome: string;
  arch?: string;
  note?: string;
  refUrl?: string;
  data?: Record<string, string | string[]>;
  force?: boolean;
}

async function record(input: Input): Promise<{ emitted: boolean; seq: number | undefined; resultId: number }> {
  const data = await server.data<{ recordResult: { emitted: boolean; emission: { seq: number } | null; result: { resultId: number } } }>(Record, {
    input: { type: 'koji_build', ...input },
  });
  return { emitted: data.recordResult.emitted, seq: data.recordResult.emission?.seq, resultId: data.recordResult.result.resultId };
}

/** The visible text of every row of the table under `selector`, cells joined by " | ". */
async function rows(page: Page, selector: string): Promise<string[]> {
  return page.locator(`${selector} tbody tr`).evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => (cell as HTMLElement).innerText.replace(/\s+/g, ' ').trim()).join(' | ')),
  );
}

/** The page fits the viewport's width: wide tables scroll in their own box. */
async function fitsWidth(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
}

const seeded: Record<string, { seq: number | undefined; resultId: number }> = {};

beforeAll(async () => {
  let amqp: Record<string, string> = {};
  if (noBroker === undefined) {
    consumer = await AmqpConsumer.start({ pattern: `${prefix}.#` });
    broker = await faultProxy(AMQP_URL);
    amqp = {
      RESULTSBUS_TOPIC_PREFIX: prefix,
      RESULTSBUS_AMQP_URL: broker.url,
      RESULTSBUS_AMQP_BRIDGE_NAME: AMQP_BRIDGE,
      RESULTSBUS_AMQP_RETRY_MAX_MS: '300',
      RESULTSBUS_AMQP_TOPICS: 'taskotron',
    };
  }
  server = await startServer({ env: { RESULTSBUS_BRIDGE: 'on', ...amqp } });
  origin = new URL(server.url).origin;
  seeded['old'] = await record({ testcase: 'dist.depcheck', item: OLD, outcome: 'PASSED', arch: 'x86_64' });
  seeded['pass'] = await record({ testcase: 'dist.depcheck', item: NEW, outcome: 'PASSED', arch: 'x86_64' });
  seeded['fail'] = await record({
    testcase: 'dist.depcheck',
    item: NEW,
    outcome: 'FAILED',
    arch: 'x86_64',
    note: '2 unresolved deps',
    refUrl: 'https://taskotron.example.org/artifacts/43/',
    data: { checked: ['foo.spec', 'bar.spec'] },
  });
  seeded['dup'] = await record({ testcase: 'dist.depcheck', item: NEW, outcome: 'FAILED', arch: 'x86_64' });
  seeded['lint'] = await record({ testcase: 'dist.rpmlint', item: NEW, outcome: 'PASSED', arch: 'noarch' });
  seeded['forced'] = await record({ testcase: 'dist.rpmlint', item: NEW, outcome: 'PASSED', arch: 'noarch', force: true });
  seeded['other'] = await record({ testcase: 'dist.rpmlint', item: OTHER, outcome: 'INFO' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await broker?.close();
  await consumer?.close();
});

async function open(ctx: { skip: (note?: string) => void }, path: string, width = 1280): Promise<Page> {
  needChromium(ctx);
  browser ??= await offlineBrowser([origin]);
  const page = await browser.page(width);
  await page.goto(`${server.url}${path}`);
  await page.locator('.connection-live').waitFor({ timeout: 30_000 });
  return page;
}

describe('the dashboard in a browser', () => {
  it('the overview shows the latest emissions, the builds failing now, and links to them', async (ctx) => {
    const page = await open(ctx, '/');
    await page.locator('table.emissions tbody tr').first().waitFor();
    const emissions = await rows(page, 'table.emissions');
    expect(emissions.map((row) => row.split(' | ').slice(0, 5).join(' | '))).toEqual([
      `6 | ${OTHER} | dist.rpmlint | INFO | first`,
      `5 | ${NEW} | dist.rpmlint noarch | PASSED forced | PASSED`,
      `4 | ${NEW} | dist.rpmlint noarch | PASSED | first`,
      `3 | ${NEW} | dist.depcheck x86_64 | FAILED | PASSED`,
      `2 | ${NEW} | dist.depcheck x86_64 | PASSED | first`,
      `1 | ${OLD} | dist.depcheck x86_64 | PASSED | first`,
    ]);
    const failing = page.locator('ul.failing > li');
    await expect.poll(() => failing.count()).toBe(1);
    expect(await page.locator('.failing-count').innerText()).toBe('1 build failing, newest first');
    expect((await failing.innerText()).replace(/\s+/g, ' ')).toMatch(new RegExp(`^${NEW} koji_build dist.depcheck arch=x86_64 FAILED since 20`));
    expect(await failing.locator('a').first().getAttribute('href')).toBe(`/items/koji_build/${NEW}`);
    expect(await page.locator('table.emissions a', { hasText: 'dist.rpmlint' }).first().getAttribute('href')).toBe('/testcases/dist.rpmlint');
    await screenshot(page, 'overview-1280');
  });

  it('the search box finds a build, a package and a testcase, and opens the first with Enter; the back button returns', async (ctx) => {
    const page = await open(ctx, '/');
    await page.keyboard.press('Tab'); // the skip link
    await page.keyboard.press('Tab'); // resultsbus
    await page.keyboard.press('Tab'); // Bus
    await page.keyboard.press('Tab'); // GraphiQL
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search-input');
    await page.keyboard.type('perl-Specio-0.25');
    const offered = page.locator('.suggestions a');
    await expect.poll(() => offered.allInnerTexts()).toEqual([`package perl-Specio`, `build ${NEW}`]);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/packages/perl-Specio`);
    await page.locator('table.grid').waitFor();

    await page.locator('#search-input').fill('dist.rpm');
    await expect.poll(() => offered.allInnerTexts()).toEqual(['testcase dist.rpmlint']);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/testcases/dist.rpmlint`);
    await page.goBack();
    await page.waitForURL(`${server.url}/packages/perl-Specio`);
    await page.locator('table.grid').waitFor();
  });

  it('the build page shows the state per testcase and variant, then every result newest first with what it did on the bus', async (ctx) => {
    const page = await open(ctx, `/items/koji_build/${NEW}`);
    await page.locator('table.history tbody tr').first().waitFor();
    const states = await rows(page, 'table.states');
    expect(states.map((row) => row.split(' | ').slice(0, 6).join(' | '))).toEqual([
      'dist.depcheck | arch=x86_64 | FAILED | FAILED | 3 | 2',
      'dist.rpmlint | arch=noarch | PASSED | PASSED | 2 | 2',
    ]);
    const history = await rows(page, 'table.history');
    const r = (name: string): number => seeded[name]?.resultId ?? -1;
    expect(history.map((row) => row.replace(/ \| 20\d\d-\d\d-\d\d \d\d:\d\d:\d\dZ \| /, ' | <time> | ').replace(/20\d\d-[0-9a-f-]{36}/, '<msgid>'))).toEqual([
      `${r('forced')} | dist.rpmlint noarch | PASSED | <time> | emitted seq 5 forced <msgid> |  |  | `,
      `${r('lint')} | dist.rpmlint noarch | PASSED | <time> | emitted seq 4 <msgid> |  |  | `,
      `${r('dup')} | dist.depcheck x86_64 | FAILED | <time> | duplicate of seq 3 |  |  | `,
      `${r('fail')} | dist.depcheck x86_64 | FAILED | <time> | emitted seq 3 <msgid> | 2 unresolved deps | log | checked=foo.spec,bar.spec`,
      `${r('pass')} | dist.depcheck x86_64 | PASSED | <time> | emitted seq 2 <msgid> |  |  | `,
    ]);
    expect(await page.locator('table.history a', { hasText: 'log' }).getAttribute('href')).toBe('https://taskotron.example.org/artifacts/43/');
    expect(await page.locator('main a', { hasText: 'perl-Specio' }).first().getAttribute('href')).toBe('/packages/perl-Specio');
    await screenshot(page, 'build-1280');
  });

  it('the package page is a grid of its builds (newest first) by testcase and variant, each cell an outcome and a count linking to the result', async (ctx) => {
    const page = await open(ctx, '/packages/perl-Specio');
    await page.locator('table.grid').waitFor();
    expect(await page.locator('.grid-count').innerText()).toBe('2 builds; newest first; each cell is the last outcome and the number of results behind it.');
    expect(await page.locator('table.grid thead th.build').allInnerTexts()).toEqual(['0.25-1.fc26', '0.24-1.fc26']);
    const cells = await page.locator('table.grid tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        row: (tr.querySelector('th') as HTMLElement).innerText.trim(),
        cells: [...tr.querySelectorAll('td')].map((td) => `${td.getAttribute('data-outcome') ?? '-'} ${td.textContent ?? ''}`.trim()),
        links: [...tr.querySelectorAll('td a')].map((a) => a.getAttribute('href')),
      })),
    );
    const state = (nvr: string): RegExp => new RegExp(`^/items/koji_build/${nvr.replaceAll('.', '\\.')}#state-[A-Za-z0-9%=_-]+$`);
    expect(cells).toEqual([
      { row: 'dist.depcheck arch=x86_64', cells: ['FAILED 3', 'PASSED 1'], links: [expect.stringMatching(state(NEW)), expect.stringMatching(state(OLD))] },
      { row: 'dist.rpmlint arch=noarch', cells: ['PASSED 2', '-'], links: [expect.stringMatching(state(NEW))] },
    ]);
    expect(await page.locator('table.grid td a').first().getAttribute('title')).toBe(`dist.depcheck on ${NEW}: FAILED, 3 results`);
    // perl-Specio-Extra starts with the same prefix but is another package.
    expect(await page.locator('table.grid').innerText()).not.toContain('Extra');
    expect(await page.locator('main button', { hasText: 'Show older builds' }).count()).toBe(0);
    await screenshot(page, 'package-1280');
    // A cell opens its state's last result: the build page, that row marked.
    await page.locator('table.grid td a').first().click();
    await page.waitForURL(new RegExp(`/items/koji_build/${NEW}#state-`));
    await page.locator(`tr.target#result-${seeded['dup']?.resultId}`).waitFor();
  });

  it('the testcase page shows the builds that ran it (newest first) with their state, and its failure rate per day counted in the database', async (ctx) => {
    const page = await open(ctx, '/testcases/dist.depcheck');
    await page.locator('table.builds tbody tr').first().waitFor();
    const builds = await rows(page, 'table.builds');
    expect(builds.map((row) => row.split(' | ').slice(0, 4).join(' | '))).toEqual([`${NEW} | arch=x86_64 | FAILED | 3`, `${OLD} | arch=x86_64 | PASSED | 1`]);
    expect(await page.locator('.builds-count').innerText()).toBe('2 builds ran it.');
    expect(await page.locator('table.builds tbody tr').first().locator('a').first().getAttribute('href')).toBe(`/items/koji_build/${NEW}`);
    // Its four results, all today: PASSED on OLD; PASSED, FAILED and the duplicate FAILED on NEW.
    expect(await page.locator('.rate-summary').innerText()).toBe('Over the last 30 days: 4 results, 2 FAILED.');
    await page.locator('.chart canvas').waitFor();
    expect(await page.locator('.chart').getAttribute('aria-label')).toBe('Failure rate per day over the last 30 days, with results on 1 day');
    await screenshot(page, 'testcase-1280');
    // The outcome opens the state's last result on the build page.
    await page.locator('table.builds tbody tr').first().locator('a.plain').click();
    await page.waitForURL(new RegExp(`/items/koji_build/${NEW}#state-`));
    await page.locator(`tr.target#result-${seeded['dup']?.resultId}`).waitFor();
  });

  it('the bus page shows every bridge: the fedmsg one, and the AMQP one with its connection, and follows them live through a broker outage', async (ctx) => {
    if (noBroker !== undefined) ctx.skip(noBroker);
    const page = await open(ctx, '/bus');
    const read = (name: string) => async (): Promise<string> =>
      (await page.locator(`section.bridge[data-bridge="${name}"] dl.status`).innerText()).replace(/\s+/g, ' ').replace(/20\d\d-\d\d-\d\d \d\d:\d\d:\d\dZ/g, '<time>');
    // The page draws its bridges once the bridges query answers: wait for them.
    await expect.poll(() => page.locator('section.bridge h2').allInnerTexts(), { timeout: 10_000 }).toEqual(['Bridge default fedmsg over ZeroMQ', `Bridge ${AMQP_BRIDGE} fedora-messaging over AMQP`]);
    await expect.poll(read('default'), { timeout: 10_000 }).toBe('state active cursor 6 latest seq 6 lag 0 last publish <time>');
    await expect
      .poll(read(AMQP_BRIDGE), { timeout: 10_000 })
      .toBe('state active cursor 6 latest seq 6 lag 0 last publish <time> connected yes unconfirmed 0 last error none');

    // Live: a new emission moves both cursors, with no reload.
    await record({ testcase: 'dist.upgradepath', item: NEW, outcome: 'PASSED' });
    await expect.poll(read('default'), { timeout: 5_000 }).toMatch(/^state active cursor 7 latest seq 7 lag 0 /);
    await expect.poll(read(AMQP_BRIDGE), { timeout: 5_000 }).toMatch(/^state active cursor 7 latest seq 7 lag 0 .* connected yes /);

    // The broker goes away: the AMQP bridge says so and falls behind; the fedmsg one keeps up.
    broker?.cut();
    await expect.poll(read(AMQP_BRIDGE), { timeout: 10_000 }).toMatch(/ connected no unconfirmed 0 last error <time> \S/);
    await record({ testcase: 'dist.upgradepath', item: NEW, outcome: 'FAILED' });
    await expect.poll(read('default'), { timeout: 5_000 }).toMatch(/^state active cursor 8 latest seq 8 lag 0 /);
    await expect.poll(read(AMQP_BRIDGE), { timeout: 5_000 }).toMatch(/^state active cursor 7 latest seq 8 lag 1 .* connected no /);
    await screenshot(page, 'bus-broker-down');

    // It comes back: the AMQP bridge catches up; the last error stays, with its time.
    broker?.restore();
    await expect.poll(read(AMQP_BRIDGE), { timeout: 15_000 }).toMatch(/^state active cursor 8 latest seq 8 lag 0 last publish <time> connected yes unconfirmed 0 last error <time> \S/);
    await screenshot(page, 'bus-1280');
  });

  it('failing now lists the failing builds newest first with how many there are, and follows new failures live', async (ctx) => {
    const page = await open(ctx, '/');
    const failing = page.locator('ul.failing > li > a');
    await expect.poll(() => failing.allInnerTexts()).toEqual([NEW]);
    const NEWER = 'perl-Specio-0.26-1.fc26';
    // OLD is the oldest build, NEWER a build made now: the list is by build, newest first, not by when a state failed.
    await record({ testcase: 'dist.rpmlint', item: OLD, outcome: 'FAILED' });
    await record({ testcase: 'dist.depcheck', item: NEWER, outcome: 'FAILED', arch: 'x86_64' });
    await expect.poll(() => failing.allInnerTexts(), { timeout: 5_000 }).toEqual([NEWER, NEW, OLD]);
    expect(await page.locator('.failing-count').innerText()).toBe('3 builds failing, newest first');
    await screenshot(page, 'overview-failing-1280');
  });

  it('a package with more builds than fit shows the newest 50 and how many there are; "Show older builds" adds the rest', async (ctx) => {
    // One batch makes its new items in name order: zero-padded, the last made is 1.50.
    const inputs = Array.from({ length: 51 }, (_, b) => ({ testcase: 'dist.rpmlint', item: `many-1.${String(b).padStart(2, '0')}-1.fc26`, type: 'koji_build', outcome: 'PASSED' }));
    await server.data('mutation($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { results { resultId } } }', { inputs });
    const page = await open(ctx, '/packages/many');
    const columns = page.locator('table.grid thead th.build');
    await expect.poll(() => columns.count()).toBe(50);
    expect(await columns.first().innerText()).toBe('1.50-1.fc26');
    expect(await page.locator('.grid-count').innerText()).toMatch(/^51 builds, the newest 50 shown; newest first;/);
    await page.getByRole('button', { name: 'Show older builds' }).click();
    await expect.poll(() => columns.count()).toBe(51);
    expect(await columns.last().innerText()).toBe('1.00-1.fc26');
    expect(await page.getByRole('button', { name: 'Show older builds' }).count()).toBe(0);
    expect(await page.locator('.grid-count').innerText()).toMatch(/^51 builds; newest first;/);
  });

  it('every page is readable at 400 px: nothing wider than the screen but the tables, which scroll in their own box', async (ctx) => {
    for (const [name, path, ready] of [
      ['overview', '/', 'table.emissions'],
      ['build', `/items/koji_build/${NEW}`, 'table.history'],
      ['package', '/packages/perl-Specio', 'table.grid'],
      ['testcase', '/testcases/dist.depcheck', '.chart canvas'],
      ['bus', '/bus', 'dl.status'],
    ] as const) {
      const page = await open(ctx, path, 400);
      await page.locator(ready).first().waitFor();
      await fitsWidth(page);
      await screenshot(page, `${name}-400`);
      await page.context().close();
    }
  });

  it('the build page links a log only when it is an http(s) URL: another ref_url the REST API stored is shown as text', async (ctx) => {
    needChromium(ctx);
    const item = 'refurl-1.0-1.fc40';
    for (const [outcome, refUrl] of [['PASSED', 'javascript:alert(document.domain)'], ['FAILED', 'ftp://example.org/log']] as const) {
      const created = await post(server, '/api/v2.0/results', { testcase: { name: 'dist.refurl' }, outcome, ref_url: refUrl, data: { item, type: 'koji_build' } });
      expect(created.status).toBe(201);
    }
    const page = await open(ctx, `/items/koji_build/${item}`);
    await page.locator('table.history tbody tr').nth(1).waitFor();
    expect(await page.locator('table.history .ref-text').allTextContents()).toEqual(['ftp://example.org/log', 'javascript:alert(document.domain)']);
    expect(await page.locator('table.history a[href^="javascript:"], table.history a[href^="ftp:"]').count()).toBe(0);
  });

  it('asked nothing of any host but the server, and nothing failed', (ctx) => {
    needChromium(ctx);
    expect(browser?.outside).toEqual([]);
    expect(browser?.failed.filter((f) => !f.includes('net::ERR_ABORTED'))).toEqual([]);
    expect(browser?.errors).toEqual([]);
  });
});
