// Browser test of report.html as `groundswell run` wrote it (tests/browser/runs.sh): a run
// without actors in which nothing passes the tests of chance, one without actors that finds
// clusters, and one with actors and clusters. Each page must open with no console errors and
// show what a first-time reader needs: what the data is, what was tested and how far each
// step got, the strongest candidates and what stopped them, a permissive peer-style count,
// how the result moves with the settings, and the date of the run. Figures on the page are
// checked against the run's own summary.json and against the data block the page was built
// from, never against numbers written into this test.
//
//   node runs_browser_test.mjs --none OUT_DIR --clusters OUT_DIR --demo OUT_DIR
//
// Prints one line per check and a closing "browser: N passed, M failed".
import fs from 'node:fs';
import path from 'node:path';
import { check, expect, parseArgs, openReport, launchChromium, finish } from './harness.mjs';

const fmt = (n) => n.toLocaleString('en-US');

function readRun(dir) {
  return { dir, summary: JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) };
}

// What the page shows, read once per report.
async function pageState(page) {
  return page.evaluate(() => {
    const texts = (sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent.trim());
    const rows = (sel) => [...document.querySelectorAll(sel)].map((tr) => [...tr.children].map((td) => td.textContent.trim()));
    return {
      data: JSON.parse(document.getElementById('gs-data').textContent),
      sections: texts('section[id] > h2'),
      sectionIds: [...document.querySelectorAll('section[id]')].map((s) => s.id),
      failed: texts('.error'),
      generated: texts('header p.muted, p.muted').find((t) => t.startsWith('Generated')) || '',
      lede: document.querySelector('#overview .lede')?.textContent || '',
      overviewBars: [...document.querySelectorAll('#overview figure[data-chart] svg rect')].length,
      topAccounts: document.querySelectorAll('#overview table.top-accounts tbody tr').length,
      objectRows: document.querySelectorAll('#overview .object-block tbody tr').length,
      verdict: document.querySelector('#funnel .verdict')?.textContent || '',
      sensitivityNote: document.querySelector('#funnel .sensitivity-note')?.textContent || '',
      funnelColumns: texts('#gs-funnel thead th'),
      funnelKept: texts('#gs-funnel tbody tr.total td'),
      funnelSteps: texts('#gs-funnel tbody tr th, #gs-funnel tbody tr td:first-child'),
      candidatesFolded: !!document.querySelector('#funnel details.candidates:not([open])'),
      candidates: rows('#funnel table.candidates tbody tr'),
      candidateColumns: texts('#funnel table.candidates thead th'),
      peer: texts('#gs-peer p'),
      headline: texts('#headline p'),
      series: texts('#series p'),
      share: texts('#share p'),
      headlineCharts: document.querySelectorAll('#headline svg').length,
      seriesCharts: document.querySelectorAll('#series svg').length,
      shareCharts: document.querySelectorAll('#share svg').length,
      network: document.querySelector('#gs-network-stage')?.dataset.nodes ?? null,
      networkNote: document.querySelector('#network .empty')?.textContent || document.querySelector('#network p')?.textContent || '',
      clusterRows: rows('#gs-clusters tr.cluster-row'),
      clusterColumns: texts('#gs-clusters thead th'),
      clustersNote: document.querySelector('#clusters p')?.textContent || '',
      pNote: document.querySelector('#clusters .p-note')?.textContent || '',
      robustness: document.querySelector('#sensitivity .robustness')?.textContent || '',
      sensitivityRows: rows('#sensitivity table.detection-sensitivity tbody tr'),
      sensitivityBaseline: rows('#sensitivity table.detection-sensitivity tbody tr.baseline'),
      sensitivityHeadings: texts('#sensitivity h3'),
      replicateLimit: document.querySelector('#sensitivity .replicate-limit')?.textContent || '',
      parameters: rows('#parameters table tbody tr').map((r) => r[0]),
      pwned: window.__pwned,
    };
  });
}

// What every report must show, whatever the data.
async function common(label, run, opened, state) {
  const { summary } = run;
  await check(`${label}: opens with no console or page errors, offline`, async () => {
    expect(opened.log.errors.length === 0, opened.log.errors.join('\n'));
    expect(state.failed.length === 0, `sections failed: ${state.failed.join('; ')}`);
    const away = opened.log.requests.filter((u) => u !== opened.log.url && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(away.length === 0, `requests beyond the file: ${away.slice(0, 5).join(', ')}`);
    expect(state.pwned === undefined, 'text from the data ran as script');
  });

  await check(`${label}: the date of the run, and each parameter once`, async () => {
    expect(state.data.meta.generated_at === summary.generated_at, `report ${state.data.meta.generated_at}, summary.json ${summary.generated_at}`);
    const shown = summary.generated_at.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
    expect(state.generated.startsWith(`Generated ${shown}`), `"${state.generated}", expected ${shown}`);
    const dup = state.parameters.filter((p, i) => state.parameters.indexOf(p) !== i);
    expect(state.parameters.length > 5 && dup.length === 0, `parameter rows: ${state.parameters.join(', ')}`);
  });

  await check(`${label}: the data overview comes first`, async () => {
    const ov = state.data.overview;
    expect(state.sectionIds[0] === 'overview' && state.sectionIds[1] === 'funnel', `sections: ${state.sectionIds.join(', ')}`);
    expect(ov.messages === summary.input.messages, `overview ${ov.messages} posts, summary.json ${summary.input.messages}`);
    // Accounts that posted: summary.json also counts accounts known only from account records.
    const posting = state.lede.match(/posts by ([\d,]+) accounts/);
    expect(state.lede.startsWith(`${fmt(summary.input.messages)} posts by`) && posting
      && Number(posting[1].replace(/,/g, '')) <= summary.input.accounts, `lede: ${state.lede}`);
    expect(state.overviewBars >= ov.daily.length, `${state.overviewBars} bars for ${ov.daily.length} platform-days`);
    expect(state.topAccounts === ov.top_accounts.length && state.topAccounts > 0, `${state.topAccounts} top accounts`);
    expect(state.objectRows === ov.top_objects.length && state.objectRows > 0, `${state.objectRows} shared objects`);
  });

  await check(`${label}: what was tested, step by step, and a permissive peer-style count`, async () => {
    const f = state.data.funnel;
    expect(f.clusters === summary.detection.clusters, `funnel ${f.clusters} clusters, summary.json ${summary.detection.clusters}`);
    expect(state.funnelColumns.join() === ['step', ...f.behaviours.map((b) => b.behaviour)].join(), `columns: ${state.funnelColumns}`);
    expect(state.funnelKept.slice(1).join() === f.behaviours.map((b) => `${fmt(b.kept)} (${fmt(b.accounts_kept)} accounts)`).join(),
      `kept row: ${state.funnelKept}`);
    const tested = f.behaviours.reduce((s, b) => s + b.edges, 0);
    expect(tested === summary.detection.edges_tested, `funnel tests ${tested} pairs, summary.json ${summary.detection.edges_tested}`);
    for (const p of f.peer.filter((x) => x.computed && x.edges > 0)) {
      expect(state.peer.some((t) => t.startsWith(`${fmt(p.edges)} ${p.behaviour} edges among ${fmt(p.accounts)} accounts`)),
        `no peer count for ${p.behaviour}: ${state.peer.join(' | ')}`);
    }
    expect(state.peer.some((t) => /not evidence of coordination/.test(t)), 'the sentence on why co-sharing is not evidence is missing');
  });

  await check(`${label}: the strongest candidates and the step that stopped each`, async () => {
    const f = state.data.funnel;
    expect(f.candidates.length > 0 && state.candidates.length === f.candidates.length,
      `${state.candidates.length} candidate rows for ${f.candidates.length}`);
    const stoppedAt = state.candidateColumns.indexOf('stopped by');
    expect(stoppedAt >= 0, `candidate columns: ${state.candidateColumns}`);
    const reasons = state.candidates.map((r) => r[stoppedAt]);
    expect(reasons.every((t) => /^(repetition|timing|overlap|both tests|stimulus|order|FDR|crowd)/.test(t)), `stopped by: ${reasons.join(' | ')}`);
  });

  await check(`${label}: how the result moves with the settings`, async () => {
    const rows = summary.detection_sensitivity;
    expect(Array.isArray(rows) && rows.length >= 6, `summary.json sensitivity: ${JSON.stringify(rows)}`);
    expect(state.sensitivityRows.length === rows.length, `${state.sensitivityRows.length} rows for ${rows.length}`);
    expect(state.sensitivityBaseline.length >= 3, `${state.sensitivityBaseline.length} chosen rows`);
    for (const r of state.sensitivityBaseline) {
      expect(r[4] === fmt(summary.detection.clusters) && r[5] === fmt(summary.detection.coordinated_accounts), `chosen row ${r.join(' ')}`);
    }
    expect(state.robustness.length > 0 && state.sensitivityNote.includes('Sensitivity'), `robustness "${state.robustness}", note "${state.sensitivityNote}"`);
    // An FDR level at or below the time-shift null's floor 1/(R+1) cannot keep a link unless
    // every tested pair reaches the floor: marked, explained, and never read as fragility.
    const replicates = summary.parameters.null_replicates;
    const limited = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.parameter === 'fdr' && r.value <= 1 / (replicates + 1) + 1e-12);
    for (const { r, i } of limited) {
      expect(state.sensitivityRows[i][1].endsWith('‡'), `FDR ${r.value} row not marked: ${state.sensitivityRows[i].join(' ')}`);
      expect(!state.robustness.includes(`at ${r.value} instead of`), `robustness cites the FDR floor: ${state.robustness}`);
    }
    expect(limited.length === 0 || state.replicateLimit.includes(`With ${replicates} replicates`), `note: ${state.replicateLimit}`);
  });
}

function noActors(label, state) {
  return check(`${label}: says there are no actors instead of empty charts`, async () => {
    expect(state.headline.some((t) => t.startsWith('No actors defined')), `headline: ${state.headline.join(' | ')}`);
    expect(state.series.some((t) => t.startsWith('No actors defined')) && state.share.some((t) => t.startsWith('No actors defined')),
      `series: ${state.series.join(' | ')}; share: ${state.share.join(' | ')}`);
    expect(state.headlineCharts === 0 && state.seriesCharts === 0 && state.shareCharts === 0, 'charts drawn without actors');
  });
}

// Cluster rows in the page against the run: one per cluster, ranked by p-value, which tells
// clusters apart instead of showing the Monte Carlo floor for all.
function clusterTable(label, run, state) {
  return check(`${label}: every cluster listed, with p-values that rank and say how they were computed`, async () => {
    const clusters = state.data.clusters;
    expect(clusters.length === run.summary.detection.clusters && state.clusterRows.length === clusters.length,
      `${state.clusterRows.length} rows, ${clusters.length} in the data, ${run.summary.detection.clusters} in summary.json`);
    const at = state.clusterColumns.indexOf('p-value');
    const shown = state.clusterRows.map((r) => r[at]);
    // The group test's own clusters have no p-value (no links inside) and come last.
    const own = clusters.map((c) => c.p_method === 'group_test');
    expect(shown.every((t, i) => (own[i] ? t === '–' : /^\d/.test(t))), `p-values: ${shown.join(', ')}`);
    for (let i = 1; i < clusters.length; i++) {
      if (own[i]) continue;
      expect(!own[i - 1] && clusters[i - 1].p_log10 <= clusters[i].p_log10, `cluster ${clusters[i].id} ranked above a smaller p-value`);
    }
    const floor = 1 / (run.summary.parameters.null_replicates + 1);
    expect(clusters.every((c) => c.p_value <= floor + 1e-12 || c.p_method === 'monte_carlo' || c.p_method === 'group_test'), 'a fitted tail above the Monte Carlo floor');
    const tails = clusters.filter((c) => c.p_method === 'tail');
    if (tails.length) {
      expect(state.pNote.includes(`${run.summary.parameters.null_replicates} null replicates`) && state.pNote.includes('negative binomial'),
        `p-value note: ${state.pNote}`);
      expect(shown.filter((t) => t.endsWith('†')).length === tails.length, 'clusters with a fitted tail are not all marked');
    }
    expect(new Set(shown).size > 1 || clusters.length === 1, `every cluster shows ${shown[0]}`);
  });
}

const args = parseArgs(process.argv.slice(2));
if (!args.none || !args.clusters || !args.demo) {
  console.error('usage: node runs_browser_test.mjs --none OUT_DIR --clusters OUT_DIR --demo OUT_DIR');
  process.exit(2);
}

async function main() {
  const { context, close } = await launchChromium();
  try {
    // CooRTweet's data, no actors file, nothing passes the tests of chance.
    {
      const run = readRun(args.none);
      const opened = await openReport(context, path.join(run.dir, 'report.html'));
      const state = await pageState(opened.page);
      await check('no clusters: the run really found none', async () => {
        expect(run.summary.detection.clusters === 0, `${run.summary.detection.clusters} clusters: this run no longer covers a report without clusters`);
      });
      await common('no clusters', run, opened, state);
      await check('no clusters: says why, per step, with the candidates open', async () => {
        expect(state.verdict.startsWith('Nothing was found'), `verdict: ${state.verdict}`);
        expect(!state.candidatesFolded, 'candidates folded away although nothing was found');
        expect(state.headline.includes('No coordinated clusters found.'), `headline: ${state.headline.join(' | ')}`);
        expect(state.clustersNote.startsWith('No clusters found'), `clusters: ${state.clustersNote}`);
        expect(state.network === null && /No coordination network/.test(state.networkNote), `network: ${state.network} ${state.networkNote}`);
      });
      await noActors('no clusters', state);
      await opened.page.close();
    }
    // CooRTweet's German URL shares, no actors file, clusters found; SOURCE_DATE_EPOCH set.
    {
      const run = readRun(args.clusters);
      const opened = await openReport(context, path.join(run.dir, 'report.html'));
      const state = await pageState(opened.page);
      await common('clusters without actors', run, opened, state);
      await check('clusters without actors: the date comes from SOURCE_DATE_EPOCH', async () => {
        expect(run.summary.generated_at.startsWith('2025-12-01T00:00:00'), `summary.json generated_at ${run.summary.generated_at}`);
      });
      await check('clusters without actors: the funnel is short, the candidates folded', async () => {
        expect(state.verdict.includes(`forming ${fmt(run.summary.detection.clusters)} clusters`), `verdict: ${state.verdict}`);
        expect(state.candidatesFolded, 'candidates open although clusters were found');
        expect(Number(state.network) === run.summary.detection.coordinated_accounts, `network shows ${state.network} accounts`);
      });
      await clusterTable('clusters without actors', run, state);
      await noActors('clusters without actors', state);
      await opened.page.close();
    }
    // The demo data: actors and planted campaigns.
    {
      const run = readRun(args.demo);
      const opened = await openReport(context, path.join(run.dir, 'report.html'));
      const state = await pageState(opened.page);
      await common('actors and clusters', run, opened, state);
      await clusterTable('actors and clusters', run, state);
      await check('actors and clusters: support per actor, over time and as share of voice', async () => {
        const actors = new Set(state.data.headline.map((r) => r.actor));
        expect(actors.size > 0, 'no actor in the data block');
        expect(state.headlineCharts >= 1 && state.seriesCharts >= 1 && state.shareCharts >= 1,
          `charts: headline ${state.headlineCharts}, series ${state.seriesCharts}, share ${state.shareCharts}`);
        expect(!state.headline.some((t) => t.startsWith('No actors defined')), 'says no actors although the run had some');
        expect(state.sensitivityHeadings.join() === 'Detection,Support', `sensitivity headings: ${state.sensitivityHeadings}`);
        expect(Number(state.network) === run.summary.detection.coordinated_accounts, `network shows ${state.network} accounts`);
      });
      await opened.page.close();
    }
  } finally {
    await close();
  }
  finish();
}

main().catch((err) => finish(err));
