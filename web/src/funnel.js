// What detection tested and why little or much was found (`funnel`, docs/report.md): per
// behaviour the pairs that co-acted, reached the repetition threshold, passed each test of
// chance and were kept; the strongest pairs that were not kept with the step that stopped
// them; and what CooRTweet's permissive rule reports on the same data.
import { h, arr, obj, isNum, fmtNum, fmtP, fmtDuration, fmtTime, emptyNote, table, dataText } from './dom.js';
import { pairsByObjectsChart } from './charts.js';
import { OBJECT_NAMES } from './overview.js';

const ACTS = {
  share: 're-posted the same post',
  link: 'posted the same link',
  domain: 'linked to the same domain',
  hashtag: 'used the same hashtag',
  mention: 'mentioned the same account',
  reply: 'replied to the same post',
  text: 'posted the same text',
  similar_text: 'posted nearly the same text',
  media: 'posted the same media file',
  co_retweet: 're-posted the same post',
  co_link: 'posted the same link',
  co_tweet: 'posted the same text',
  co_reply: 'replied to the same post',
  co_similar_tweet: 'posted nearly the same text',
  co_post: 'posted',
};
const acts = (b) => ACTS[b] || `acted on the same ${b} object`;
const pct = (q) => `${fmtNum(100 * q)}%`;
const fmtExpected = (x) => (!isNum(x) ? '–' : x >= 10 ? fmtNum(x) : x >= 0.1 ? x.toFixed(1) : x.toPrecision(1));

// The step that stopped a pair, in words.
function stoppedText(c, f) {
  switch (c.stopped) {
    case 'repetition': return `repetition: ${fmtNum(c.objects)} of the ${fmtNum(f.min_repetition)} distinct items needed`;
    case 'time_null': return `timing: as aligned as chance makes it (adjusted p ${fmtP(c.q_value)})`;
    case 'cooccurrence_null': return `overlap: no more shared items than activity and popularity explain (adjusted p ${fmtP(c.q_cooccurrence)})`;
    case 'stimulus_null': return `stimulus: timing fits each account's own responses to the same posts`;
    case 'follower': return 'order: one account came first in nearly every meeting, a follower of its posts';
    case 'both_nulls': return `both tests: timing (adjusted p ${fmtP(c.q_value)}) and overlap (adjusted p ${fmtP(c.q_cooccurrence)})`;
    case 'fdr': return 'not kept under false-discovery control';
    default: return String(c.stopped ?? '–');
  }
}

function who(account) {
  const a = obj(account);
  const name = a.handle || a.label || a.account;
  return h('span', { class: 'who' }, dataText('span', name),
    a.handle && a.account && a.handle !== a.account ? h('span', { class: 'muted' }, ' ', dataText('span', a.account)) : null);
}

function intro(f, behaviours) {
  const tested = behaviours.some((b) => b.tested);
  const names = behaviours.map((b) => String(b.behaviour)).join(', ');
  const parts = [`Detection compared every pair of accounts on ${names || 'no behaviour'}: two accounts co-act when they do the same thing at most ${fmtNum(f.window_s)} s apart. `];
  if (f.compat && f.compat !== 'none') {
    parts.push(`This run reproduces ${f.compat === 'coortweet' ? 'CooRTweet' : 'the Coordination Network Toolkit'} (--compat ${f.compat}): an edge needs ${fmtNum(f.min_repetition)} co-actions, and nothing is tested against chance.`);
  } else {
    parts.push(`A pair becomes a candidate when it co-acts on at least ${fmtNum(f.min_repetition)} distinct items. `);
    parts.push(tested
      ? `Each candidate is then tested against chance twice — is their timing closer than each account's own rhythm explains (time-shift null, ${fmtNum(f.null_replicates)} replicates), and do they share more items than their activity and the items' popularity explain (co-occurrence null) — with the expected share of false links held at ${pct(f.fdr)} (Benjamini–Hochberg). A pair is kept only when it passes both.`
      : 'No test against chance was run (--null-replicates 0): every candidate is kept.');
  }
  return h('p', null, parts);
}

function outcome(f, behaviours) {
  const kept = behaviours.reduce((s, b) => s + (isNum(b.kept) ? b.kept : 0), 0);
  const pairs = behaviours.reduce((s, b) => s + (isNum(b.co_acting_pairs) ? b.co_acting_pairs : 0), 0);
  const edges = behaviours.reduce((s, b) => s + (isNum(b.edges) ? b.edges : 0), 0);
  if (kept === 0) {
    const where = edges === 0
      ? `no pair reached ${fmtNum(f.min_repetition)} distinct items`
      : `${fmtNum(edges)} pair${edges === 1 ? '' : 's'} reached ${fmtNum(f.min_repetition)} items but none passed the tests of chance`;
    return h('p', { class: 'lede verdict none' },
      `Nothing was found: ${fmtNum(pairs)} pairs of accounts co-acted at least once, ${where}. The strongest candidates and the step that stopped each are below.`);
  }
  return h('p', { class: 'lede verdict found' },
    `${fmtNum(kept)} link${kept === 1 ? '' : 's'} kept between accounts, forming ${fmtNum(f.clusters)} cluster${f.clusters === 1 ? '' : 's'} of ${fmtNum(f.coordinated_accounts)} accounts.`);
}

function funnelTable(f, behaviours) {
  const rows = [
    ['actions', (b) => `${fmtNum(b.actions)} on ${fmtNum(b.objects)} items`],
    ['pairs that co-acted at least once', (b) => fmtNum(b.co_acting_pairs)],
    [`pairs on ≥ ${fmtNum(f.min_repetition)} distinct items (tested)`, (b) => `${fmtNum(b.edges)} (${fmtNum(b.accounts_in_edges)} accounts)`],
  ];
  if (behaviours.some((b) => b.tested)) {
    rows.push(
      [`timing beyond chance: p ≤ ${fmtNum(f.fdr)}`, (b) => (b.tested ? fmtNum(b.time_nominal) : '–')],
      ['timing beyond chance: after FDR control', (b) => (b.tested ? fmtNum(b.time_fdr) : '–')],
      [`overlap beyond chance: p ≤ ${fmtNum(f.fdr)}`, (b) => (b.cooccurrence_tested ? fmtNum(b.cooccurrence_nominal) : 'not tested')],
      ['overlap beyond chance: after FDR control', (b) => (b.cooccurrence_tested ? fmtNum(b.cooccurrence_fdr) : 'not tested')],
    );
  }
  if (behaviours.some((b) => isNum(b.crowded_actions) && b.crowded_actions > 0)) {
    rows.splice(1, 0, ['actions in crowds (paired only with their nearest)', (b) => fmtNum(b.crowded_actions)]);
  }
  rows.push(['kept (both tests)', (b) => `${fmtNum(b.kept)} (${fmtNum(b.accounts_kept)} accounts)`]);
  const thead = h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'step'),
    behaviours.map((b) => h('th', { scope: 'col', class: 'num' }, String(b.behaviour)))));
  const tbody = h('tbody', null, rows.map(([label, cell], i) => h('tr', { class: i === rows.length - 1 ? 'total' : null },
    h('td', null, label), behaviours.map((b) => h('td', { class: 'num' }, cell(b))))));
  return h('table', { class: 'data funnel', id: 'gs-funnel' }, thead, tbody);
}

function candidateTable(f, rows) {
  return table([
    { label: 'behaviour', value: (c) => String(c.behaviour ?? '') },
    { label: 'accounts', value: (c) => h('span', null, who(arr(c.accounts)[0]), ' · ', who(arr(c.accounts)[1])) },
    { label: 'items', num: true, title: 'distinct items both acted on within the window', value: (c) => fmtNum(c.objects) },
    { label: 'pairs', num: true, title: 'message pairs within the window', value: (c) => fmtNum(c.pairs) },
    { label: 'median delay', num: true, value: (c) => fmtDuration(c.median_delay_s) },
    { label: 'p timing', num: true, title: 'time-shift null (adjusted in brackets)', value: (c) => (isNum(c.q_value) ? `${fmtP(c.p_value)} (${fmtP(c.q_value)})` : fmtP(c.p_value)) },
    { label: 'p overlap', num: true, title: 'co-occurrence null (adjusted in brackets)', value: (c) => (isNum(c.q_cooccurrence) ? `${fmtP(c.p_cooccurrence)} (${fmtP(c.q_cooccurrence)})` : fmtP(c.p_cooccurrence)) },
    { label: 'shared / expected', num: true, title: 'items both acted on at any time, and how many their activity and the items\u2019 popularity predict', value: (c) => (isNum(c.common_objects) ? `${fmtNum(c.common_objects)} / ${fmtExpected(c.expected_common)}` : '–') },
    { label: 'first', value: (c) => fmtTime(c.first_time) },
    { label: 'stopped by', value: (c) => stoppedText(c, f) },
  ], rows, { class: 'data candidates' });
}

function peerBox(f, behaviours) {
  const peer = arr(f.peer).filter((p) => p && p.behaviour != null);
  if (!f.peer_rule || !peer.length) return null;
  const box = h('div', { class: 'peer', id: 'gs-peer' });
  box.append(h('h3', null, `Compared with a permissive rule (${String(f.peer_rule)})`));
  for (const p of peer) {
    const name = String(p.behaviour);
    if (!p.computed) {
      box.append(h('p', null, `${name}: not computed — the rule pairs every two posts on one item within the window, here ${fmtNum(p.message_pairs)} pairs of posts.`));
      continue;
    }
    const kept = behaviours.find((b) => String(b.behaviour) === name);
    box.append(h('p', { class: 'peer-count', 'data-behaviour': name },
      h('strong', null, `${fmtNum(p.edges)} ${name} edges among ${fmtNum(p.accounts)} accounts`),
      ` is what ${String(f.peer_rule)}'s rule reports on this data: every pair of accounts (each with at least ${fmtNum(f.peer_min_participation)} ${name} actions) that ${acts(name)} within ${fmtNum(f.window_s)} s, with no test against chance. ` +
      `Of those edges, ${fmtNum(p.single_object)} rest on a single shared item, ${fmtNum(p.native_edges)} reached ${fmtNum(f.min_repetition)} distinct items here` +
      (kept && kept.tested ? ` and ${fmtNum(p.native_kept)} passed both tests of chance.` : '.')));
  }
  box.append(h('p', { class: 'why' },
    'Acting on the same item within a short window is what many independent accounts do when they react to the same popular post or news: on its own it is not evidence of coordination. It becomes evidence when a pair does so on more items, and more closely in time, than their own activity and the items\u2019 popularity explain — which is what the two tests above ask.'));
  return box;
}

// A sensitivity row at an FDR level the time-shift null cannot resolve: with R replicates no
// timing p-value is below 1/(R + 1), so Benjamini–Hochberg at that level or below keeps a link
// only when every tested pair sits at that floor. Such a row measures the number of
// replicates, not the evidence, and is set apart wherever the settings are compared.
export function replicateLimited(row, data) {
  const replicates = obj(data.funnel).null_replicates;
  return row.parameter === 'fdr' && isNum(row.value) && isNum(replicates) && replicates > 0
    && row.value <= 1 / (replicates + 1) + 1e-12;
}

export function replicateLimitNote(data) {
  const replicates = obj(data.funnel).null_replicates;
  return `With ${fmtNum(replicates)} replicates no timing p-value is below ${fmtP(1 / (replicates + 1))}, so at an FDR level that low a link is kept only if every tested pair reaches that floor: the row measures the number of replicates, not the evidence. Run with more (--null-replicates 999) to test at that level.`;
}

// One sentence on how the outcome changes with the settings (the Sensitivity section).
function sensitivityNote(data, kept) {
  const all = arr(data.detection_sensitivity).filter((r) => r && !r.baseline && isNum(r.clusters));
  const rows = all.filter((r) => !replicateLimited(r, data));
  const limited = all.filter((r) => replicateLimited(r, data));
  const link = h('a', { href: '#sensitivity' }, 'Sensitivity');
  if (!rows.length) return limited.length ? h('p', { class: 'sensitivity-note' }, 'See ', link, '.') : null;
  const found = rows.filter((r) => r.clusters > 0).sort((a, b) => b.coordinated_accounts - a.coordinated_accounts);
  const name = (r) => ({ window_s: 'a window of', min_repetition: 'a minimum of', fdr: 'an FDR level of', similarity: 'a text similarity of' }[r.parameter] || `${r.parameter} =`);
  const unit = (r) => (r.parameter === 'window_s' ? ' s' : r.parameter === 'min_repetition' ? ' distinct items' : '');
  if (kept === 0) {
    return h('p', { class: 'sensitivity-note' }, found.length
      ? [`With other settings: at ${name(found[0])} ${fmtNum(found[0].value)}${unit(found[0])}, ${fmtNum(found[0].clusters)} clusters of ${fmtNum(found[0].coordinated_accounts)} accounts would be kept — weaker evidence than at the chosen settings, shown under `, link, '.']
      : ['No other setting tried (window, minimum items, FDR level) finds a cluster either: see ', link, '.']);
  }
  const none = rows.filter((r) => r.clusters === 0);
  const beyond = limited.length
    ? ` (${limited.map((r) => `an FDR level of ${fmtNum(r.value)}`).join(', ')} is beyond what ${fmtNum(obj(data.funnel).null_replicates)} replicates can resolve)`
    : '';
  return h('p', { class: 'sensitivity-note' }, none.length
    ? [`At ${none.map((r) => `${name(r)} ${fmtNum(r.value)}${unit(r)}`).join(', ')} nothing would be kept${beyond}: see `, link, '.']
    : [`Clusters are found at every other setting tried${beyond}: see `, link, '.']);
}

export function renderFunnel(body, data) {
  const f = obj(data.funnel);
  const behaviours = arr(f.behaviours).filter((b) => b && b.behaviour != null);
  if (!behaviours.length) {
    body.append(emptyNote('No record of what detection tested in this report.'));
    return;
  }
  const kept = behaviours.reduce((s, b) => s + (isNum(b.kept) ? b.kept : 0), 0);
  body.append(outcome(f, behaviours), sensitivityNote(data, kept) || '', intro(f, behaviours), funnelTable(f, behaviours));

  const charted = behaviours.filter((b) => arr(b.pairs_by_objects).some((n) => isNum(n) && n > 0));
  if (charted.length) {
    const row = h('div', { class: 'chart-row' });
    for (const b of charted) {
      row.append(h('figure', { class: 'chart small', 'data-chart': 'pairs-by-objects' },
        h('figcaption', null, `${String(b.behaviour)}: pairs by distinct ${OBJECT_NAMES[b.behaviour] || 'items'} co-acted on`),
        pairsByObjectsChart(arr(b.pairs_by_objects), f.min_repetition)));
    }
    body.append(row, h('p', { class: 'caption' },
      `Bars: pairs of accounts that co-acted within ${fmtNum(f.window_s)} s on 1, 2, 3, … distinct items (log scale; the last bar counts that many or more). Red line: the repetition threshold; pairs at its right are tested.`));
  }

  const candidates = arr(f.candidates).filter((c) => c && arr(c.accounts).length === 2);
  const heading = `The strongest pairs that were not kept (${fmtNum(candidates.length)})`;
  const note = h('p', { class: 'caption' },
    'Per behaviour: first the tested pairs nearest the line (smallest larger adjusted p-value), then the pairs with the most items below the repetition threshold. p-values in brackets are adjusted for the number of pairs tested; a pair is kept when both adjusted values are at most the FDR level.');
  if (!candidates.length) {
    body.append(h('h3', null, 'Candidates near the line'),
      emptyNote(kept ? 'Every tested pair was kept, and no pair co-acted below the threshold.' : 'No pair of accounts co-acted at all.'));
  } else if (kept === 0) {
    body.append(h('h3', null, heading), note, candidateTable(f, candidates));
  } else {
    // Something was found: the candidates stay folded.
    body.append(h('details', { class: 'candidates' }, h('summary', null, heading), note, candidateTable(f, candidates)));
  }
  const peer = peerBox(f, behaviours);
  if (peer) body.append(peer);
}
