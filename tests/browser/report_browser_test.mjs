// Browser test of report.html (docs/contract.md §9): opens reports written by
// groundswell-report-fixture in Debian's headless Chromium, with the network unavailable to the
// page, and checks what a reader relies on: the page works offline, draws its charts and network,
// lists clusters with their evidence, shows hostile text as text without running it, and lays
// Persian text out right to left.
//
//   node report_browser_test.mjs --report FIXTURE.html --empty EMPTY.html
//                                [--malformed MALFORMED.html] [--large LARGE.html]
//
// GS_SCREENSHOT=path writes a screenshot of the fixture report. Prints one line per check and
// a closing "browser: N passed, M failed"; exits non-zero on any failure.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { PAYLOADS } from './payloads.mjs';
import { parseArgs, check, expect, launchChromium, finish, openReport } from './harness.mjs';


// Decodes an 8-bit non-interlaced PNG (what Chromium's screenshots are) into RGBA rows, to
// look at the pixels the network view drew.
function decodePng(buffer) {
  let pos = 8;
  let width = 0; let height = 0; let colorType = 0;
  const idat = [];
  while (pos < buffer.length) {
    const length = buffer.readUInt32BE(pos);
    const type = buffer.toString('ascii', pos + 4, pos + 8);
    const data = buffer.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9];
      if (data[8] !== 8 || data[12] !== 0) throw new Error('unsupported PNG');
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + length;
  }
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  if (!channels) throw new Error(`unsupported PNG colour type ${colorType}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a); const pb = Math.abs(p - b); const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

function distinctColours(png) {
  const seen = new Set();
  let coloured = 0;
  for (let i = 0; i < png.pixels.length; i += png.channels) {
    const r = png.pixels[i]; const g = png.pixels[i + 1]; const b = png.pixels[i + 2];
    seen.add((r << 16) | (g << 8) | b);
    // Saturated pixels: cluster colours, not the white stage or grey edges.
    if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
  }
  return { distinct: seen.size, coloured };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.report || !args.empty) {
    console.error('usage: node report_browser_test.mjs --report FIXTURE.html --empty EMPTY.html [--large LARGE.html]');
    process.exit(2);
  }
  const fixture = JSON.parse(fs.readFileSync(new URL('./fixture.json', import.meta.url), 'utf8'));
  const { context, close } = await launchChromium();
  try {
    const { page, log } = await openReport(context, args.report);

    await check('report opens with no console or page errors', async () => {
      expect(log.errors.length === 0, log.errors.join('\n'));
      const sectionErrors = await page.$$eval('.error', (els) => els.map((e) => e.textContent));
      expect(sectionErrors.length === 0, `sections failed: ${sectionErrors.join('; ')}`);
    });

    await check('charts render as non-empty SVG', async () => {
      const counts = await page.evaluate(() => Object.fromEntries(
        ['headline', 'series', 'share', 'signals'].map((id) => [id, [...document.querySelectorAll(`#${id} svg`)]
          // Legends are small SVGs of their own; charts are the ones with axes.
          .filter((svg) => svg.querySelector('[aria-label$="axis"], [aria-label^="x-axis"], [aria-label^="y-axis"]'))
          .map((svg) => svg.querySelectorAll('rect, path, line').length)])));
      expect(counts.headline.length === 3, `headline charts: ${JSON.stringify(counts.headline)}`);
      expect(counts.series.length === 1 && counts.series[0] > 10, `series chart: ${JSON.stringify(counts.series)}`);
      expect(counts.share.length === 1 && counts.share[0] > 9, `share chart: ${JSON.stringify(counts.share)}`);
      expect(counts.signals.length === fixture.signals.length, `signal charts: ${JSON.stringify(counts.signals)}`);
      for (const [id, list] of Object.entries(counts)) expect(list.every((n) => n > 3), `${id} has an empty chart: ${list}`);
      const actors = await page.$$eval('#headline svg text', (els) => els.map((e) => e.textContent));
      expect(actors.includes('جبهه آزادی'), 'Persian actor name missing from the headline chart');
    });

    await check('the data overview comes first: counts, daily charts, accounts, objects, gaps, rejects', async () => {
      const ov = fixture.overview;
      const state = await page.evaluate(() => ({
        first: document.querySelector('section').id,
        lede: document.querySelector('#overview .lede')?.textContent || '',
        charts: [...document.querySelectorAll('#overview figure[data-chart]')].map((f) => ({
          chart: f.dataset.chart, rects: f.querySelectorAll('svg rect').length })),
        accounts: document.querySelectorAll('#overview table.top-accounts tbody tr').length,
        blocks: [...document.querySelectorAll('#overview .object-block')].map((b) => ({
          behaviour: b.dataset.behaviour, rows: b.querySelectorAll('tbody tr').length })),
        gaps: document.querySelectorAll('#overview table.gaps tbody tr').length,
        reasons: document.querySelectorAll('#overview table.reject-reasons tbody tr').length,
        languages: document.querySelector('#overview .languages')?.textContent || '',
      }));
      expect(state.first === 'overview', `first section: ${state.first}`);
      const posts = ov.platforms.reduce((s, p) => s + p.messages, 0) + ov.undated;
      expect(state.lede.includes(`${posts.toLocaleString('en-US')} posts`) && state.lede.includes('2 platforms'), `lede: ${state.lede}`);
      expect(state.lede.includes('41 records were rejected'), `lede: ${state.lede}`);
      // Posts, accounts and (this data has them) service events, one bar per platform and day.
      expect(state.charts.map((c) => c.chart).join() === 'messages,accounts,events', JSON.stringify(state.charts));
      const bars = ov.daily.length;
      for (const c of state.charts.slice(0, 2)) expect(c.rects >= bars, `${c.chart}: ${c.rects} bars for ${bars} rows`);
      expect(state.accounts === ov.top_accounts.length, `${state.accounts} top accounts`);
      expect(state.blocks.map((b) => b.behaviour).join() === 'share,link,domain,hashtag', JSON.stringify(state.blocks));
      for (const b of state.blocks) {
        expect(b.rows === ov.top_objects.filter((o) => o.behaviour === b.behaviour).length, JSON.stringify(b));
      }
      expect(state.gaps === ov.gaps.length && state.reasons === ov.reject_reasons.length, `${state.gaps} gaps, ${state.reasons} reasons`);
      expect(/fa 6\d\.\d%/.test(state.languages) && state.languages.includes('not given'), `languages: ${state.languages}`);
    });

    await check('what was tested: the funnel per behaviour, candidates folded, the peer count', async () => {
      const f = fixture.funnel;
      const state = await page.evaluate(() => ({
        second: document.querySelectorAll('section')[1].id,
        verdict: document.querySelector('#funnel .verdict')?.textContent || '',
        columns: [...document.querySelectorAll('#gs-funnel thead th')].map((th) => th.textContent),
        kept: [...document.querySelectorAll('#gs-funnel tbody tr.total td')].map((td) => td.textContent),
        charts: [...document.querySelectorAll('#funnel figure[data-chart="pairs-by-objects"] svg rect')].length,
        folded: !!document.querySelector('#funnel details.candidates:not([open])'),
        candidates: document.querySelectorAll('#funnel table.candidates tbody tr').length,
        peer: [...document.querySelectorAll('#gs-peer p')].map((p) => p.textContent),
      }));
      expect(state.second === 'funnel', `second section: ${state.second}`);
      expect(state.verdict.includes(`forming ${f.clusters} clusters`), `verdict: ${state.verdict}`);
      expect(state.columns.join() === ['step', ...f.behaviours.map((b) => b.behaviour)].join(), `columns: ${state.columns}`);
      expect(state.kept.slice(1).join() === f.behaviours.map((b) => `${b.kept.toLocaleString('en-US')} (${b.accounts_kept} accounts)`).join(), `kept row: ${state.kept}`);
      const bars = f.behaviours.reduce((s, b) => s + b.pairs_by_objects.filter((n) => n > 0).length, 0);
      expect(state.charts >= bars, `${state.charts} bars for ${bars} buckets`);
      expect(state.folded && state.candidates === f.candidates.length, `folded ${state.folded}, ${state.candidates} candidate rows`);
      expect(state.peer.some((t) => t.startsWith('6,310 share edges among 1,904 accounts')), `peer: ${state.peer.join(' | ')}`);
      expect(state.peer.some((t) => t.startsWith('link: not computed')), `peer: ${state.peer.join(' | ')}`);
      expect(state.peer.some((t) => /not evidence of coordination/.test(t)), 'the sentence on why co-sharing is not evidence is missing');
      await page.click('#funnel details.candidates summary');
      const stopped = await page.$$eval('#funnel table.candidates tbody tr td:last-child', (tds) => tds.map((t) => t.textContent));
      expect(stopped.filter((t) => t.startsWith('repetition: 1 of the 2')).length === f.candidates.filter((c) => c.stopped === 'repetition').length,
        `stopped: ${stopped.join(' | ')}`);
      expect(stopped.some((t) => t.startsWith('both tests: timing')), 'no candidate stopped by both tests');
    });

    await check('each heavy-tailed total lists the accounts that drive it, hostile names as text', async () => {
      const state = await page.evaluate(() => ({
        heading: [...document.querySelectorAll('#headline h3')].map((e) => e.textContent),
        blocks: [...document.querySelectorAll('#headline .drivers')].map((b) => ({
          actor: b.getAttribute('data-actor'), metric: b.getAttribute('data-metric'),
          sentence: b.querySelector('p').textContent,
          rows: [...b.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
          dirs: [...b.querySelectorAll('tbody td span[dir="auto"]')].length,
          markup: b.querySelectorAll('img, b, script').length })),
        pwned: typeof window.__pwned,
      }));
      expect(state.heading.includes('What drives the totals'), `headings: ${state.heading}`);
      expect(state.blocks.length === fixture.drivers.length, `${state.blocks.length} blocks, expected ${fixture.drivers.length}`);
      const first = fixture.drivers[0];
      const shown = state.blocks.find((b) => b.actor === first.actor && b.metric === first.metric);
      expect(shown && shown.rows.length === first.top.length, `rows of ${first.actor} ${first.metric}`);
      expect(shown.sentence.includes(`${first.top_share_pct.toFixed(1)}%`), `share of the top accounts: ${shown.sentence}`);
      expect(shown.sentence.includes('counted under some reasonable classifications and not under others'), shown.sentence);
      expect(shown.rows[0][4] === `${first.top[0].share_pct.toFixed(1)}%`, `share: ${shown.rows[0]}`);
      expect(shown.rows[0][6] === 'counted under every one', `always counted: ${shown.rows[0]}`);
      expect(shown.rows[1][6].includes('–'), `counted under some: ${shown.rows[1]}`);
      expect(shown.rows[4][6] === 'discounted under every one', `never counted: ${shown.rows[4]}`);
      // The planted handles and display names are there as typed, in their own direction.
      const cells = shown.rows.flat().join(' ');
      for (const p of PAYLOADS) expect(cells.includes(p), `payload not shown as text in the drivers: ${p}`);
      expect(cells.includes('کانال رسمی <b>جبهه</b>'), 'markup in a display name not shown as text');
      expect(shown.dirs >= 2 * first.top.length, `${shown.dirs} dir=auto cells`);
      expect(state.blocks.every((b) => b.markup === 0), 'markup from the data became elements');
      expect(state.pwned === 'undefined', 'window.__pwned was set');
    });

    await check('sensitivity shows detection as each setting moves, then support per actor', async () => {
      const rows = fixture.detection_sensitivity;
      const state = await page.evaluate(() => ({
        headings: [...document.querySelectorAll('#sensitivity h3')].map((e) => e.textContent),
        detection: [...document.querySelectorAll('#sensitivity table.detection-sensitivity tbody tr')].map((tr) => ({
          bold: tr.classList.contains('baseline'), cells: [...tr.children].map((td) => td.textContent) })),
        robustness: document.querySelector('#sensitivity .robustness')?.textContent || '',
        note: document.querySelector('#funnel .sensitivity-note')?.textContent || '',
      }));
      expect(state.headings.join() === 'Detection,Support', `headings: ${state.headings}`);
      expect(state.detection.length === rows.length, `${state.detection.length} detection rows`);
      expect(state.detection.filter((r) => r.bold).length === 4, 'one bold (chosen) row per setting');
      const most = Math.max(...rows.map((r) => r.coordinated_accounts));
      expect(state.robustness.includes(`${most} coordinated accounts`), `robustness: ${state.robustness}`);
      expect(state.note.includes('Sensitivity'), `funnel note: ${state.note}`);
    });

    await check('network renders every account, coloured by cluster', async () => {
      const stage = await page.$('#gs-network-stage');
      expect(stage, 'no network stage');
      const info = await stage.evaluate((el) => ({ ...el.dataset, canvases: el.querySelectorAll('canvas').length }));
      expect(info.renderer === 'sigma', `renderer: ${info.renderer}`);
      expect(Number(info.nodes) === fixture.network.nodes.length, `nodes drawn: ${info.nodes}`);
      expect(Number(info.edges) > 0 && info.canvases > 0, `edges ${info.edges}, canvases ${info.canvases}`);
      const { distinct, coloured } = distinctColours(decodePng(await stage.screenshot()));
      expect(distinct > 20 && coloured > 500, `network picture looks empty: ${distinct} colours, ${coloured} coloured pixels`);
    });

    await check('hovering an account shows its details as text', async () => {
      const stage = await page.$('#gs-network-stage');
      await stage.scrollIntoViewIfNeeded();
      const info = await page.$('.net-info');
      const initial = await info.textContent();
      // sigma shows no positions to the page: find a disc in the picture (a pixel of cluster
      // colour with cluster colour all around it) and point at it.
      const png = decodePng(await stage.screenshot());
      const saturated = (x, y) => {
        const i = (y * png.width + x) * png.channels;
        const r = png.pixels[i]; const g = png.pixels[i + 1]; const b = png.pixels[i + 2];
        return Math.max(r, g, b) - Math.min(r, g, b) > 60;
      };
      const spots = [];
      for (let y = 4; y < png.height - 4; y += 2) {
        for (let x = 4; x < png.width - 4; x += 2) {
          if (saturated(x, y) && saturated(x - 3, y) && saturated(x + 3, y) && saturated(x, y - 3) && saturated(x, y + 3)) spots.push([x, y]);
        }
      }
      expect(spots.length > 0, 'no disc found in the network picture');
      const box = await stage.boundingBox();
      let found = null;
      for (const [x, y] of spots.filter((_, i) => i % Math.max(1, Math.floor(spots.length / 25)) === 0)) {
        await page.mouse.move(box.x + x, box.y + y);
        const text = await info.textContent();
        if (text !== initial) { found = text; break; }
      }
      expect(found, 'no account reacted to the pointer');
      expect(/platform: (telegram|twitter)/.test(found) && /cluster: /.test(found), `details: ${found}`);
      const handleDir = await page.$eval('.net-info .net-handle', (e) => e.getAttribute('dir'));
      expect(handleDir === 'auto', `handle dir=${handleDir}`);
      await page.mouse.move(0, 0);
    });

    await check('cluster table lists every cluster and drills down to evidence', async () => {
      const rows = await page.$$('#gs-clusters tr.cluster-row');
      expect(rows.length === fixture.clusters.length, `${rows.length} rows for ${fixture.clusters.length} clusters`);
      const toggles = await page.$$('#gs-clusters button.toggle');
      for (const t of toggles) await t.click();
      const shown = await page.$$eval('#gs-clusters tr.detail:not([hidden]) article.message', (els) => els.length);
      const expected = fixture.clusters.reduce((s, c) => s + c.evidence.length, 0);
      expect(shown === expected, `${shown} evidence messages shown, ${expected} in the data`);
      const firstId = String(fixture.clusters[0].id);
      const detail = `#gs-clusters tr.cluster-row[data-cluster="${firstId}"] + tr.detail`;
      const members = fixture.network.nodes.filter((n) => String(n.cluster) === firstId).length;
      const countRows = () => page.$$eval(`${detail} table.members tbody tr`, (els) => els.length);
      const before = await countRows();
      expect(before === Math.min(12, members), `${before} member rows before "show all"`);
      await page.click(`${detail} button.more`);
      const after = await countRows();
      expect(after === Math.min(200, members), `${after} member rows for ${members} accounts`);
      await page.click(`#gs-clusters tr.cluster-row[data-cluster="${firstId}"] button.link`);
      const selected = await page.$eval('#network select', (s) => s.value);
      expect(selected === firstId, `network shows cluster ${selected}, expected ${firstId}`);
    });

    await check('every cluster shows its verdict, and its reasons as text', async () => {
      const cells = await page.$$eval('#gs-clusters tr.cluster-row td.verdict',
        (els) => els.map((e) => ({ text: e.textContent, title: e.getAttribute('title') || '', cls: e.className })));
      expect(cells.length === fixture.clusters.length, `${cells.length} verdict cells`);
      fixture.clusters.forEach((c, i) => {
        expect(cells[i].text === c.verdict, `cluster ${c.id}: verdict ${cells[i].text}, expected ${c.verdict}`);
        expect(cells[i].title === c.verdict_reasons, `cluster ${c.id}: reasons ${cells[i].title}`);
        expect(cells[i].cls.includes(c.verdict), `cluster ${c.id}: class ${cells[i].cls}`);
      });
      const hostile = fixture.clusters.find((c) => c.verdict_reasons.includes('<script>'));
      expect(hostile, 'the fixture plants a hostile verdict reason');
      const shownReason = await page.$eval(`#gs-clusters tr.cluster-row[data-cluster="${hostile.id}"] + tr.detail .evidence p`,
        (p) => p.textContent);
      expect(shownReason.includes(hostile.verdict_reasons), `reasons shown as text: ${shownReason}`);
      expect(!(await page.evaluate(() => window.__pwned)), 'a verdict reason ran as code');
    });

    await check('hostile text is shown as text and never runs', async () => {
      const state = await page.evaluate(() => ({
        pwned: typeof window.__pwned,
        scripts: document.scripts.length,
        imgs: document.querySelectorAll('img').length,
        bold: [...document.querySelectorAll('b')].length,
        text: document.body.innerText,
        jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => !/^(https?:|#)/.test(a.getAttribute('href'))).length,
      }));
      expect(state.pwned === 'undefined', 'window.__pwned was set');
      expect(state.scripts === 2, `${state.scripts} script elements (expected the data block and the bundle)`);
      expect(state.imgs === 0 && state.bold === 0, `markup from the data became elements: ${state.imgs} img, ${state.bold} b`);
      expect(state.jsLinks === 0, `${state.jsLinks} links with a non-web address`);
      for (const p of PAYLOADS) expect(state.text.includes(p), `payload not visible as text: ${p}`);
      expect(state.text.includes('javascript:window.__pwned=1'), 'javascript: URL not shown as text');
      // Hovering the info panel path: the hostile handle reaches the page as text too.
      await page.selectOption('#network select', '');
    });

    await check('Persian text is laid out right to left, English left to right', async () => {
      const dirs = await page.$$eval('article.message p.text', (els) => els.map((e) => ({
        text: e.textContent, attr: e.getAttribute('dir'), direction: getComputedStyle(e).direction })));
      const fa = dirs.find((d) => /[\u0600-\u06FF]/.test(d.text[0]));
      const en = dirs.find((d) => /^[A-Za-z]/.test(d.text));
      expect(fa && en, 'fixture lacks Persian or English messages');
      expect(fa.attr === 'auto' && fa.direction === 'rtl', `Persian message: dir=${fa.attr}, direction ${fa.direction}`);
      expect(en.attr === 'auto' && en.direction === 'ltr', `English message: dir=${en.attr}, direction ${en.direction}`);
    });

    await check('no network request beyond the report file itself', async () => {
      await page.waitForTimeout(300);
      const foreign = log.requests.filter((u) => u !== log.url);
      expect(foreign.length === 0, `requests: ${foreign.join(', ')}`);
      expect(log.errors.length === 0, `errors after interaction: ${log.errors.join('\n')}`);
    });

    if (process.env.GS_SCREENSHOT) {
      // A reader's view: a fresh page with the first cluster opened.
      const { page: shot } = await openReport(context, args.report);
      await shot.click('#gs-clusters button.toggle');
      await shot.evaluate(() => window.scrollTo(0, 0));
      await shot.screenshot({ path: process.env.GS_SCREENSHOT, fullPage: true });
      await shot.close();
      console.log(`screenshot written to ${process.env.GS_SCREENSHOT}`);
    }
    await page.close();

    await check('the page\'s Content-Security-Policy blocks fetches and any script but its own', async () => {
      const { page: probe, log: probeLog } = await openReport(context, args.empty);
      const outcome = await probe.evaluate(async () => {
        const violations = [];
        document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
        let fetched = 'no';
        try {
          await fetch('http://127.0.0.1:9/gs-probe');
          fetched = 'yes';
        } catch {
          fetched = 'blocked';
        }
        const img = document.createElement('img');
        img.src = 'http://127.0.0.1:9/gs-probe.png';
        document.body.append(img);
        // Were markup ever to slip into the page, neither an inline handler nor a new script
        // element may run: the policy pins the one script the report ships by its hash.
        const probe = document.createElement('div');
        probe.innerHTML = '<img src="data:," onerror="window.__probe=1">';
        document.body.append(probe);
        const script = document.createElement('script');
        script.textContent = 'window.__probe=2';
        document.body.append(script);
        await new Promise((r) => setTimeout(r, 300));
        img.remove();
        probe.remove();
        return { fetched, violations, probe: typeof window.__probe };
      });
      expect(outcome.fetched === 'blocked', `fetch: ${outcome.fetched}`);
      expect(outcome.probe === 'undefined', 'an injected inline handler or script ran');
      expect(outcome.violations.filter((v) => v.startsWith('script-src')).length >= 2,
        `script-src violations: ${outcome.violations.join(', ')}`);
      expect(outcome.violations.includes('connect-src') && outcome.violations.includes('img-src'),
        `violations: ${outcome.violations.join(', ')}`);
      const foreign = probeLog.requests.filter((u) => u !== probeLog.url && !probeLog.blocked.includes(u));
      expect(foreign.length === 0, `requests left the page: ${foreign.join(', ')}`);
      console.log(`     (blocked by CSP: ${probeLog.blocked.join(', ') || 'nothing announced'})`);
      await probe.close();
    });

    await check('empty report says what is missing', async () => {
      const { page: empty, log: emptyLog } = await openReport(context, args.empty);
      const text = await empty.evaluate(() => document.body.innerText);
      for (const phrase of ['No data overview', 'No record of what detection tested', 'No actors defined', 'No clusters found', 'No coordination network', 'No account signals', 'No input files recorded']) {
        expect(text.includes(phrase), `missing "${phrase}"`);
      }
      expect(emptyLog.errors.length === 0, emptyLog.errors.join('\n'));
      await empty.close();
    });

    await check('the same data gives the same network picture', async () => {
      const shots = [];
      for (let i = 0; i < 2; i++) {
        const { page: again } = await openReport(context, args.report);
        shots.push(decodePng(await (await again.$('#gs-network-stage')).screenshot()).pixels);
        await again.close();
      }
      expect(shots[0].equals(shots[1]), 'two openings of one report drew different networks');
    });

    if (args.malformed) {
      await check('fields of the wrong type leave the page working', async () => {
        const { page: odd, log: oddLog } = await openReport(context, args.malformed);
        const state = await odd.evaluate(() => ({
          sections: document.querySelectorAll('section').length,
          failed: [...document.querySelectorAll('.error')].map((e) => e.textContent),
        }));
        expect(state.sections === 12, `${state.sections} sections`);
        expect(state.failed.length === 0, `sections failed: ${state.failed.join('; ')}`);
        expect(oddLog.errors.length === 0, oddLog.errors.join('\n'));
        await odd.close();
      });
    }

    await check('without WebGL the report still works and draws a static network', async () => {
      const { page: plain, log: plainLog } = await openReport(context, args.report, () => {
        const getContext = HTMLCanvasElement.prototype.getContext;
        HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
          return /webgl/i.test(type) ? null : getContext.call(this, type, ...rest);
        };
        delete window.WebGLRenderingContext;
        delete window.WebGL2RenderingContext;
      });
      const info = await plain.$eval('#gs-network-stage', (el) => ({ ...el.dataset }));
      expect(info.renderer === 'static', `renderer: ${info.renderer}`);
      const rows = await plain.$$('#gs-clusters tr.cluster-row');
      expect(rows.length === fixture.clusters.length, `${rows.length} cluster rows`);
      const { coloured } = distinctColours(decodePng(await (await plain.$('#gs-network-stage')).screenshot()));
      expect(coloured > 200, `static network picture looks empty (${coloured} coloured pixels)`);
      // sigma's own failure message is expected here; anything else is not.
      const others = plainLog.errors.filter((e) => !/webgl|sigma/i.test(e));
      expect(others.length === 0, others.join('\n'));
      await plain.close();
    });

    if (args.large) {
      await check('2,000-account network opens and renders', async () => {
        const { page: large, log: largeLog } = await openReport(context, args.large);
        const info = await large.$eval('#gs-network-stage', (el) => ({ ...el.dataset }));
        expect(Number(info.nodes) >= 2000 && info.renderer === 'sigma', JSON.stringify(info));
        expect(largeLog.errors.length === 0, largeLog.errors.join('\n'));
        const marks = await large.evaluate(() => performance.getEntriesByType('mark')
          .map((m) => `${m.name.replace(/^gs-/, '')} ${Math.round(m.startTime)}`).join(', '));
        console.log(`     (${info.nodes} accounts, ${info.edges} links; ms since navigation: ${marks})`);
        await large.close();
      });
    }
  } finally {
    await close();
  }
  finish();
}

main().catch((err) => finish(err));
