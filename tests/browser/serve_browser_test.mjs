// Browser test of `groundswell serve` (docs/serve.md): a real server on a loopback port over a
// store made by the main job from generated data plus hostile accounts
// (tests/data/serve/hostile.jsonl), opened in Debian's headless Chromium. It walks what an
// investigator does — search, open an account, follow it to its cluster, read the evidence
// side by side, open everyone who shared a link, page through posts, re-run detection and
// compare the two runs — and checks that no hostile text ever runs, no Content-Security-Policy
// violation happens and nothing is loaded from anywhere but the server.
//
//   node serve_browser_test.mjs --url http://127.0.0.1:PORT/
//
// GS_SCREENSHOT=DIR writes a screenshot of each page. Prints one line per check and a closing
// "browser: N passed, M failed"; exits non-zero on any failure.
import fs from 'node:fs';
import path from 'node:path';
import { PAYLOADS } from './payloads.mjs';
import { parseArgs, check, expect, launchChromium, finish } from './harness.mjs';

async function api(base, p) {
  const res = await fetch(new URL(p, base));
  if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
  return res.json();
}

// Waits for the view the address names to finish drawing: main.js sets data-gs-ready and
// data-gs-route (the address it drew; the hashchange that starts a new view comes a moment
// after the address changes, so ready alone may still describe the old view), api.js counts
// the answers still awaited in data-gs-pending (lists fill in after the view).
async function settled(page) {
  await page.waitForFunction(() => document.documentElement.dataset.gsReady === 'true'
    && document.documentElement.dataset.gsRoute === window.location.hash
    && document.documentElement.dataset.gsPending === '0', null, { timeout: 30000 });
}

// A number as the pages show it (dom.js fmtNum).
const shownNumber = (v) => v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 100 || Number.isInteger(v) ? 0 : 2 });

async function shot(page, name) {
  if (!process.env.GS_SCREENSHOT) return;
  fs.mkdirSync(process.env.GS_SCREENSHOT, { recursive: true });
  await page.screenshot({ path: path.join(process.env.GS_SCREENSHOT, `${name}.png`), fullPage: true });
}

// What must hold on every page: no error anywhere, no hostile markup in the document, nothing
// run, nothing fetched from elsewhere.
async function safe(page, log, where) {
  expect(log.errors.length === 0, `${where}: ${log.errors.join('\n')}`);
  expect(log.foreign.length === 0, `${where}: requests beyond the server: ${log.foreign.join(', ')}`);
  const state = await page.evaluate(() => ({
    pwned: window.__pwned,
    scripts: [...document.scripts].map((s) => s.getAttribute('src')),
    images: document.querySelectorAll('img').length,
    errors: [...document.querySelectorAll('.error')].map((e) => e.textContent),
  }));
  expect(state.pwned === undefined, `${where}: hostile text ran`);
  expect(state.scripts.length === 1 && state.scripts[0] === '/serve.js', `${where}: scripts ${JSON.stringify(state.scripts)}`);
  expect(state.images === 0, `${where}: an <img> element appeared (hostile markup parsed)`);
  expect(state.errors.length === 0, `${where}: the page shows errors: ${state.errors.join('; ')}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.url) {
    console.error('usage: node serve_browser_test.mjs --url http://127.0.0.1:PORT/');
    process.exit(2);
  }
  const base = args.url;
  const origin = new URL(base).origin;
  const { context, close } = await launchChromium();
  const page = await context.newPage();
  const log = { errors: [], foreign: [] };
  page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) log.foreign.push(r.url()); });
  page.on('console', (m) => { if (m.type() === 'error') log.errors.push(`console.error: ${m.text()}`); });
  page.on('pageerror', (e) => log.errors.push(`page error: ${e.message}`));

  // What the store holds, from the API, to know what the pages must show.
  const status = await api(base, '/api/status');
  const clusters = await api(base, `/api/clusters?detection=${status.detection}&limit=200`);
  const hostile = (await api(base, '/api/search?q=hostile&limit=50')).results.map((r) => r.account);

  try {
    await check('overview lists the clusters of the latest detection', async () => {
      await page.goto(base, { waitUntil: 'load' });
      await settled(page);
      const rows = await page.$$eval('table.clusters tbody tr', (trs) => trs.length);
      expect(status.detection != null && clusters.total > 0, 'the test store has no cluster');
      expect(rows === Math.min(50, clusters.total), `${rows} rows for ${clusters.total} clusters`);
      const note = await page.textContent('.paged-note');
      expect(note.includes(`of ${clusters.total}`), `paging note: ${note}`);
      await safe(page, log, 'overview');
      await shot(page, 'overview');
    });

    // A member of the first cluster, found the way a person would: by typing its handle, or
    // its display name when it has none (Telegram users often do not).
    const members = await api(base, `/api/clusters/${clusters.clusters[0].cluster_id}/members?detection=${status.detection}&limit=1`);
    const member = members.members[0].account;
    await check('search by handle or name finds the account and opens it', async () => {
      const q = member.handle ? `@${member.handle}` : member.display_name;
      expect(q, 'the member has neither handle nor name');
      await page.fill('header.top input[type=search]', q);
      await page.press('header.top input[type=search]', 'Enter');
      await settled(page);
      expect(page.url().includes('#/search'), `search went to ${page.url()}`);
      const hrefs = await page.$$eval('table.results tbody tr a.account', (as) => as.map((a) => a.getAttribute('href')));
      expect(hrefs.length > 0, `no result for ${q}`);
      const mine = `#/account/${member.id}?`;
      expect(hrefs.some((h) => h.startsWith(mine)), `${q}: results ${hrefs.join(' ')}`);
      await page.click(`table.results a.account[href^="${mine}"]`);
      await settled(page);
      expect(page.url().includes(`#/account/${member.id}`), `opened ${page.url()}`);
      const posts = await page.$$eval('.messages article.message', (a) => a.length);
      expect(posts > 0, 'the account page lists no posts');
      const charts = await page.$$eval('figure.chart svg', (s) => s.length);
      expect(charts > 0, 'no posts-per-day chart');
      expect(await page.locator('section', { hasText: 'Signals' }).count() > 0, 'no signals section');
      await safe(page, log, 'account');
      await shot(page, 'account');
    });

    await check('account follows to its cluster, whose members include it', async () => {
      await page.click(`a[href^="#/cluster/${clusters.clusters[0].cluster_id}"]`);
      await settled(page);
      const title = await page.textContent('h1');
      expect(title === `Cluster ${clusters.clusters[0].cluster_id}`, `cluster page title: ${title}`);
      const links = await page.$$eval('table.members a.account', (as) => as.map((a) => a.getAttribute('href')));
      expect(links.some((h) => h.startsWith(`#/account/${member.id}?`) || h === `#/account/${member.id}`), 'the account is not among the members');
      expect(await page.$$eval('table.edges tbody tr', (t) => t.length) > 0, 'no links between members');
      // Its verdict, as the store has it (the main job judged every cluster).
      const verdict = clusters.clusters[0].verdict;
      expect(['inauthentic', 'organic', 'undetermined'].includes(verdict), `stored verdict ${verdict}`);
      const shown = await page.evaluate(() => document.querySelector('dl.facts dd').innerText);
      expect(shown === verdict, `the page shows verdict "${shown}", the store ${verdict}`);
      await safe(page, log, 'cluster');
      await shot(page, 'cluster');
    });

    await check('evidence shows both messages side by side with their time offset', async () => {
      await page.locator('table.edges a', { hasText: 'evidence' }).first().click();
      await settled(page);
      const pairs = await page.$$eval('.pair', (ps) => ps.map((p) => ({
        cards: p.querySelectorAll('article.message').length,
        offset: p.querySelector('.offset').textContent,
      })));
      expect(pairs.length > 0, 'no evidence pairs');
      expect(pairs.every((p) => p.cards === 2), 'a pair without both messages');
      expect(pairs.every((p) => /^[+−]/.test(p.offset)), `offsets: ${pairs.map((p) => p.offset).join(', ')}`);
      await safe(page, log, 'evidence');
      await shot(page, 'evidence');
    });

    await check('a link leads to every post that carried it, in time order', async () => {
      const link = page.locator('article.message a.object[href*="object/link"]').first();
      if (await link.count() === 0) {
        // The evidence of this edge is about texts: open one of the member's texts instead.
        await page.locator('article.message a.object').first().click();
      } else {
        await link.click();
      }
      await settled(page);
      const offsets = await page.$$eval('.offset-badge', (b) => b.map((x) => x.textContent));
      expect(offsets.length >= 2, `${offsets.length} posts on the object page`);
      expect(offsets[0] === '+0 s', `the first post is ${offsets[0]} after the first`);
      const times = await page.$$eval('article.message time', (t) => t.map((x) => x.getAttribute('datetime')));
      expect(times.every((t) => /^\d{4}-\d\d-\d\dT/.test(t)), `times: ${times.join(' ')}`);
      expect(times.every((t, i) => i === 0 || times[i - 1] <= t), 'posts are not in time order');
      await safe(page, log, 'object');
      await shot(page, 'object');
    });

    await check('a cluster the group test made shows its members\' re-posts of the source', async () => {
      const fired = clusters.clusters.find((c) => c.verdict_evidence && c.verdict_evidence.fired_source != null);
      expect(fired, 'no cluster of the group test in the test store');
      const reposts = await api(base, `/api/clusters/${fired.cluster_id}/reposts?detection=${status.detection}&limit=200`);
      await page.goto(`${base}#/cluster/${fired.cluster_id}`);
      await settled(page);
      const section = page.locator('section', { hasText: 'Re-posts of the source' });
      expect(await section.count() === 1, 'no section of re-posts');
      const pairs = await section.locator('.pair').evaluateAll((ps) => ps.map((p) => ({
        cards: p.querySelectorAll('article.message').length,
        offset: p.querySelector('.offset').textContent,
      })));
      expect(reposts.total > 0 && pairs.length === Math.min(20, reposts.total), `${pairs.length} pairs shown of ${reposts.total}`);
      expect(pairs.every((p) => p.cards === 2), 'a pair without both messages');
      expect(pairs.every((p) => /^\+/.test(p.offset)), `offsets: ${pairs.map((p) => p.offset).join(', ')}`);
      await safe(page, log, 'group test cluster');
      await shot(page, 'group-test-cluster');
    });

    await check('hostile names and texts show as typed and never run', async () => {
      expect(hostile.length === 5, `${hostile.length} hostile accounts found by search`);
      const seen = [];
      for (const acc of hostile) {
        await page.goto(`${base}#/account/${acc.id}`);
        await settled(page);
        seen.push(await page.evaluate(() => document.body.innerText));
        await safe(page, log, `hostile account ${acc.account_id}`);
      }
      await page.goto(`${base}#/search?q=${encodeURIComponent('<script>')}`);
      await settled(page);
      seen.push(await page.evaluate(() => document.body.innerText));
      await safe(page, log, 'hostile search');
      const text = seen.join('\n');
      for (const p of PAYLOADS) expect(text.includes(p), `payload not visible as text: ${p}`);
      expect(text.includes('javascript:window.__pwned=1'), 'javascript: name not shown');
      const hrefs = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href') || ''));
      expect(!hrefs.some((h) => /^\s*javascript:/i.test(h)), 'a javascript: link was made');
    });

    await check('Persian search folds Arabic letter forms as detection does', async () => {
      // hostile1 is named "علي رضائي" with Arabic yeh; a Persian keyboard types "علی".
      await page.goto(`${base}#/search?q=${encodeURIComponent('علی')}`);
      await settled(page);
      const names = await page.$$eval('table.results a.account', (as) => as.map((a) => a.textContent));
      expect(names.some((n) => n.includes('علي رضائي')), `results: ${names.join(' | ')}`);
      await safe(page, log, 'Persian search');
    });

    await check('an account\'s posts page on with More until the last', async () => {
      const busiest = (await api(base, '/api/search?q=a&limit=200')).results
        .map((r) => r.account).sort((x, y) => y.messages - x.messages)[0];
      expect(busiest.messages > 50, `the busiest account has ${busiest.messages} posts`);
      await page.goto(`${base}#/account/${busiest.id}`);
      await settled(page);
      const more = page.locator('.messages + .paged-note + button.more');
      let shown = await page.$$eval('.messages article.message', (a) => a.length);
      expect(shown === 50, `${shown} posts on the first page`);
      while (await more.isVisible()) {
        await more.click();
        await page.waitForFunction((n) => document.querySelectorAll('.messages article.message').length > n, shown);
        shown = await page.$$eval('.messages article.message', (a) => a.length);
      }
      expect(shown === busiest.messages, `${shown} posts shown of ${busiest.messages}`);
      const ids = await page.$$eval('.messages article.message', (a) => a.map((x) => x.dataset.message));
      expect(new Set(ids).size === ids.length, 'a post was shown twice');
      await safe(page, log, 'account paging');
    });

    await check('actor pages give each actor\'s support figures and their breakdown', async () => {
      await page.goto(`${base}#/actors`);
      await page.waitForFunction(() => document.documentElement.dataset.gsReady === 'true'
        && document.documentElement.dataset.gsRoute === window.location.hash
        && document.documentElement.dataset.gsPending === '0', null, { timeout: 300000 });
      const figures = await api(base, `/api/actors?detection=${status.detection}`);
      expect(figures.state === 'done', `figures: ${figures.state}`);
      // `run --actors` stored them: read from the store, never computed by the server.
      const provenance = await page.textContent('p.provenance');
      expect(figures.stored === true && figures.run != null && provenance.startsWith(`Computed by run ${figures.run} `) && provenance.includes('read from the store'),
        `provenance: ${provenance} (stored ${figures.stored}, run ${figures.run})`);
      const shown = await page.$$eval('section.actor', (ss) => ss.map((s) => ({
        name: s.querySelector('h2').textContent,
        lede: s.querySelector('.lede').textContent,
        routes: s.querySelectorAll('table.routes tbody tr').length,
        figures: s.querySelectorAll('table.figures tbody tr').length,
        settings: [...s.querySelectorAll('table.settings tbody tr')].map((tr) => ({ label: tr.children[0].textContent, accounts: tr.children[1].textContent, baseline: tr.classList.contains('baseline') })),
        drivers: [...s.querySelectorAll('.drivers')].map((d) => ({
          metric: d.dataset.metric,
          links: [...d.querySelectorAll('tbody a.account')].map((a) => a.getAttribute('href')),
        })),
      })));
      expect(shown.length === figures.actors.length && shown.length > 0, `${shown.length} actor sections for ${figures.actors.length} actors`);
      for (const [i, a] of figures.actors.entries()) {
        expect(shown[i].name === a.name, `section ${i}: ${shown[i].name}`);
        expect(shown[i].lede.startsWith(`${a.raw.accounts.toLocaleString('en-US')} accounts visibly support it`), `lede: ${shown[i].lede}`);
        expect(shown[i].routes === 3 && shown[i].figures > 3, `${a.name}: ${shown[i].routes} routes, ${shown[i].figures} figures`);
        // Under other settings: each score threshold, then every other scenario of
        // sensitivity.csv at the chosen threshold; the chosen settings' row in bold.
        const sens = figures.sensitivity.filter((x) => x.actor === a.name);
        const want = [...sens.filter((x) => x.scenario === 'default'),
          ...sens.filter((x) => x.scenario !== 'default' && Math.abs(x.score_threshold - figures.score_threshold) < 1e-9)];
        const got = shown[i].settings;
        expect(got.length === want.length && want.length > 6 && want.every((x, j) => got[j].accounts === shownNumber(x.accounts)),
          `${a.name}: settings ${JSON.stringify(got)} for ${JSON.stringify(want)}`);
        expect(got.filter((x) => x.baseline).length === 1 && got.find((x) => x.baseline).label === `score threshold ${figures.score_threshold}`,
          `${a.name}: bold rows ${JSON.stringify(got.filter((x) => x.baseline))}`);
        // What drives the totals: each heavy-tailed total's top accounts, linked to their pages.
        const drivers = figures.drivers.filter((d) => d.actor === a.name);
        expect(shown[i].drivers.map((d) => d.metric).join() === drivers.map((d) => d.metric).join() && drivers.length === 3,
          `${a.name}: drivers shown for ${shown[i].drivers.map((d) => d.metric).join()}`);
        for (const [k, d] of drivers.entries()) {
          const want = d.top.map((c) => `#/account/${c.id}`);
          expect(shown[i].drivers[k].links.length === want.length && want.every((w, j) => shown[i].drivers[k].links[j].split('?')[0] === w),
            `${a.name} ${d.metric}: links ${shown[i].drivers[k].links.join(' ')}`);
        }
      }
      expect(await page.$$eval('figure.chart svg', (s) => s.length) > 0, 'no headline chart');
      await safe(page, log, 'actors');
      await shot(page, 'actors');
    });

    let rerun = null;
    await check('re-running detection shows its progress and stores a new detection', async () => {
      await page.goto(`${base}#/detections`);
      await settled(page);
      await page.fill('form.rerun input[name=window_s]', '120');
      await page.fill('form.rerun input[name=min_repetition]', '2');
      await page.click('form.rerun button[type=submit]');
      await page.waitForSelector('.job progress', { timeout: 10000 });
      await page.waitForSelector('.job[data-state]', { timeout: 300000 });
      const state = await page.getAttribute('.job', 'data-state');
      expect(state === 'done', `the run ended ${state}: ${await page.textContent('.job')}`);
      const after = await api(base, '/api/detections?limit=200');
      rerun = after.detections[0];
      expect(rerun.id !== status.detection, 'no new detection stored');
      expect(rerun.parameters.window_s === 120 && rerun.parameters.min_repetition === 2,
        `stored parameters ${JSON.stringify(rerun.parameters)}`);
      expect(after.detections.some((d) => d.id === status.detection), 'the old detection is gone');
      await safe(page, log, 'detections');
      await shot(page, 'rerun');
    });

    await check('the two runs compare: changed parameters marked, accounts in both and in one', async () => {
      expect(rerun, 'no re-run to compare');
      await page.locator('.job a', { hasText: 'Compare' }).click();
      await settled(page);
      const changed = await page.$$eval('table.compare tr.changed td:first-child', (t) => t.map((x) => x.textContent));
      expect(changed.includes('window_s') && changed.includes('min_repetition'), `changed: ${changed.join(', ')}`);
      const facts = await page.evaluate(() => document.querySelector('dl.facts').innerText);
      expect(/in both/.test(facts), `facts: ${facts}`);
      await safe(page, log, 'compare');
      await shot(page, 'compare');
    });

    await check('a run\'s progress is polled only while its page is shown', async () => {
      // A run that never ends (the server's answers replaced here, so the store is untouched).
      const running = { id: 99, state: 'running', stage: 'loading', step: 1, steps: 5, seconds: 1, base: status.detection, parameters: {}, detection: null };
      let polls = 0;
      await page.route('**/api/detections', (route) => (route.request().method() === 'POST'
        ? route.fulfill({ status: 202, contentType: 'application/json', body: JSON.stringify(running) }) : route.continue()));
      await page.route('**/api/jobs/99', (route) => { polls += 1; return route.fulfill({ contentType: 'application/json', body: JSON.stringify(running) }); });
      await page.goto(`${base}#/detections`);
      await settled(page);
      await page.click('form.rerun button[type=submit]');
      await page.waitForFunction(() => /loading the data/.test(document.querySelector('.job')?.textContent || ''));
      const deadline = Date.now() + 10000;
      while (polls < 2 && Date.now() < deadline) await page.waitForTimeout(100);
      expect(polls >= 2, `the page polled ${polls} times while shown`);
      await page.evaluate(() => { window.location.hash = '#/'; });
      await settled(page);
      await page.waitForTimeout(700);  // a poll already asked for may still land
      const left = polls;
      await page.waitForTimeout(2000);
      expect(polls === left, `${polls - left} polls after leaving the page`);
      await page.unrouteAll();
    });

    await check('the detection menu switches every page to the new run', async () => {
      await page.goto(`${base}#/?d=${status.detection}`);
      await settled(page);
      await page.selectOption('select.detection-select', String(rerun.id));
      await settled(page);
      expect(page.url().includes(`d=${rerun.id}`), `address ${page.url()}`);
      const caption = await page.textContent('section h2');
      expect(caption.includes(`detection ${rerun.id}`), `heading: ${caption}`);
      // The re-run judged its clusters as the main job does: a verdict in every row.
      const judged = (await api(base, `/api/clusters?detection=${rerun.id}&limit=50`)).clusters.map((c) => c.verdict);
      expect(judged.length > 0, 'the re-run found no cluster');
      const cells = await page.$$eval('table.clusters tbody tr', (trs) => trs.map((tr) => tr.children[6].innerText));
      expect(JSON.stringify(cells) === JSON.stringify(judged), `verdicts shown ${cells.join(', ')}, stored ${judged.join(', ')}`);
      await safe(page, log, 'detection menu');
    });

    await check('the actor page at a re-run\'s detection computes its figures once, then reads them', async () => {
      expect(rerun, 'no re-run');
      await page.goto(`${base}#/actors?d=${rerun.id}`);
      // Nothing stored for the re-run: the page says it is computing, offering the stored ones.
      await page.waitForSelector('p.progress', { timeout: 30000 });
      const progress = await page.textContent('div.actors');
      expect(/Computing the support figures|Waiting to compute/.test(progress), `progress: ${progress}`);
      const offered = await page.$$eval('p.stored-elsewhere a', (as) => as.map((a) => a.getAttribute('href')));
      expect(offered.some((h) => h.startsWith('#/actors') && h.includes(`d=${status.detection}`)), `offered: ${offered.join(' ')}`);
      await page.waitForFunction(() => document.documentElement.dataset.gsReady === 'true'
        && document.documentElement.dataset.gsRoute === window.location.hash
        && document.documentElement.dataset.gsPending === '0', null, { timeout: 300000 });
      const figures = await api(base, `/api/actors?detection=${rerun.id}`);
      expect(figures.state === 'done' && figures.stored === true && figures.run === null, `figures: ${figures.state}, stored ${figures.stored}, run ${figures.run}`);
      const provenance = await page.textContent('p.provenance');
      expect(provenance.startsWith('Computed by groundswell serve') && provenance.includes('read from the store'), `provenance: ${provenance}`);
      expect(await page.$$eval('section.actor', (ss) => ss.length) === figures.actors.length, 'actor sections');
      await safe(page, log, 'actors at the re-run');
      await shot(page, 'actors-rerun');
    });
  } finally {
    await close();
  }
  finish();
}

main().catch((err) => finish(err));
