// groundswell report front end. Reads the report data from
// <script type="application/json" id="gs-data"> (docs/report.md gives its fields) and builds
// every section with DOM calls. Each section renders on its own: a missing or odd field
// empties that section with a note instead of breaking the page.
import './report.css';
import { h, arr, obj, isNum, fmtNum, fmtPct, fmtP, fmtPLog, fmtDuration, fmtTime, safeHref, emptyNote, table, dataText } from './dom.js';
import { headlineChart, seriesChart, shareOfVoiceChart, histogramChart, sortMetrics } from './charts.js';
import { renderNetwork, clusterColor } from './network.js';
import { renderOverview } from './overview.js';
import { renderFunnel, replicateLimited, replicateLimitNote } from './funnel.js';
import { renderDrivers } from './drivers.js';

const SECTIONS = [
  ['overview', 'The data'],
  ['funnel', 'What was tested'],
  ['headline', 'Headline'],
  ['series', 'Support over time'],
  ['share', 'Share of voice'],
  ['network', 'Network'],
  ['clusters', 'Clusters'],
  ['signals', 'Account signals'],
  ['sensitivity', 'Sensitivity'],
  ['parameters', 'Parameters'],
  ['provenance', 'Provenance'],
  ['assumptions', 'Assumptions'],
];

function readData() {
  const node = document.getElementById('gs-data');
  if (!node) return { data: {}, error: 'The report holds no data block.' };
  try {
    const data = JSON.parse(node.textContent || '{}');
    return { data: obj(data), error: null };
  } catch (err) {
    return { data: {}, error: `The report data could not be read: ${err.message}` };
  }
}

function actorList(data) {
  const seen = [];
  for (const r of [...arr(data.headline), ...arr(data.series), ...arr(data.share_of_voice)]) {
    const name = r && r.actor != null ? String(r.actor) : null;
    if (name != null && !seen.includes(name)) seen.push(name);
  }
  return seen;
}

const cleanRows = (rows) => arr(rows).filter((r) => r && r.actor != null && r.metric != null)
  .map((r) => ({ ...r, actor: String(r.actor), metric: String(r.metric) }));

// What the report's intervals are (meta.interval, e.g. "range over 63 reasonable
// classifications"); the Assumptions section says what they cover.
const intervalKind = (data) => {
  const kind = obj(data.meta).interval;
  return typeof kind === 'string' && kind ? kind : 'interval';
};

function headlineSentence(rows, actor) {
  const mine = rows.filter((r) => r.actor === actor);
  const pick = mine.find((r) => r.metric === 'accounts') || mine[0];
  if (!pick || !isNum(pick.raw)) return null;
  const parts = [h('strong', { dir: 'auto' }, actor), `: ${fmtNum(pick.raw)} ${pick.metric} visible`];
  if (isNum(pick.adjusted)) {
    parts.push(`; ${fmtNum(pick.adjusted)} remain once coordinated and inauthentic activity is taken out`);
    if (isNum(pick.ci_low) && isNum(pick.ci_high)) parts.push(` (interval ${fmtNum(pick.ci_low)}–${fmtNum(pick.ci_high)})`);
    if (pick.raw > 0) parts.push(`, ${fmtPct((100 * pick.adjusted) / pick.raw, 0)} of what is visible`);
  }
  parts.push('.');
  const msg = mine.find((r) => r.metric === 'messages');
  if (msg && isNum(msg.raw) && isNum(msg.adjusted) && msg !== pick) {
    parts.push(` Messages: ${fmtNum(msg.raw)} visible, ${fmtNum(msg.adjusted)} adjusted.`);
  }
  return h('p', { class: 'headline-sentence' }, parts);
}

function renderHeadline(body, data, actors) {
  const rows = cleanRows(data.headline);
  const clusters = arr(data.clusters);
  const coordinated = clusters.reduce((sum, c) => sum + (isNum(c && c.accounts) ? c.accounts : 0), 0);
  body.append(h('p', { class: 'lede' },
    clusters.length
      ? `${fmtNum(clusters.length)} coordinated cluster${clusters.length === 1 ? '' : 's'} found, involving ${fmtNum(coordinated)} accounts.`
      : 'No coordinated clusters found.'));
  if (!actors.length || !rows.length) {
    body.append(emptyNote('No actors defined: run with --actors FILE to measure support per actor.'));
    return;
  }
  for (const actor of actors) {
    const sentence = headlineSentence(rows, actor);
    if (sentence) body.append(sentence);
  }
  body.append(headlineChart(rows, actors),
    h('p', { class: 'caption' }, `Grey: visible (raw) figure. Colour: adjusted figure. Black whisker: the interval of the adjusted figure (${intervalKind(data)}; the Assumptions say what it covers).`));
  const metrics = sortMetrics(rows.map((r) => r.metric));
  body.append(table([
    { label: 'actor', value: (r) => dataText('span', r.actor) },
    { label: 'metric', value: (r) => r.metric },
    { label: 'raw', num: true, value: (r) => fmtNum(r.raw) },
    { label: 'adjusted', num: true, value: (r) => fmtNum(r.adjusted) },
    { label: 'interval', num: true, value: (r) => (isNum(r.ci_low) ? `${fmtNum(r.ci_low)} – ${fmtNum(r.ci_high)}` : '–') },
    { label: 'adjusted / raw', num: true, value: (r) => (isNum(r.raw) && r.raw > 0 && isNum(r.adjusted) ? fmtPct((100 * r.adjusted) / r.raw) : '–') },
  ], [...rows].sort((a, b) => actors.indexOf(a.actor) - actors.indexOf(b.actor) || metrics.indexOf(a.metric) - metrics.indexOf(b.metric))));
  body.append(...renderDrivers(data, actors));
}

function renderSeries(body, data, actors) {
  const rows = cleanRows(data.series);
  if (!rows.length) {
    body.append(emptyNote(actors.length ? 'No time series in this run.' : 'No actors defined, so no support over time.'));
    return;
  }
  const metrics = sortMetrics(rows.map((r) => r.metric));
  const holder = h('div', { class: 'chart' });
  const select = h('select', { 'aria-label': 'Metric' }, metrics.map((m) => h('option', { value: m }, m)));
  const draw = () => {
    holder.textContent = '';
    holder.append(seriesChart(rows, actors, select.value));
  };
  select.addEventListener('change', draw);
  const meta = obj(data.meta);
  body.append(h('div', { class: 'controls' }, h('label', null, 'Metric ', select),
    meta.period ? h('span', { class: 'caption' }, ` per ${meta.period}`) : null),
  holder, h('p', { class: 'caption' }, `Dashed: raw. Solid: adjusted. Band: the interval of the adjusted figure (${intervalKind(data)}).`));
  draw();
}

function renderShare(body, data, actors) {
  const rows = cleanRows(data.share_of_voice);
  if (!rows.length) {
    body.append(emptyNote(actors.length ? 'No share of voice in this run.' : 'No actors defined, so no share of voice.'));
    return;
  }
  body.append(h('div', { class: 'chart' }, shareOfVoiceChart(rows, actors)),
    h('p', { class: 'caption' }, 'Each bar sums to 100% across actors; "adjusted" drops clusters judged inauthentic and inauthentic accounts, keeps organic clusters, and counts an undetermined cluster as one voice.'));
}

let networkController = null;

function renderNetworkSection(body, data) {
  const network = obj(data.network);
  const nodes = arr(network.nodes);
  if (!nodes.length) {
    body.append(emptyNote('No coordination network: no pair of accounts acted together more than chance allows.'));
    return;
  }
  const order = arr(data.clusters).filter((c) => c && c.id != null).map((c) => String(c.id));
  const trunc = obj(network.truncated);
  body.append(h('p', { class: 'caption' },
    `${fmtNum(nodes.length)} accounts and ${fmtNum(arr(network.edges).length)} links, coloured by cluster. Scroll to zoom, drag to pan, hover over an account for its details.` +
    (isNum(trunc.nodes_total) || isNum(trunc.edges_total)
      ? ` Showing the strongest part of a larger network (${fmtNum(trunc.nodes_total)} accounts, ${fmtNum(trunc.edges_total)} links in all).` : '')));
  networkController = renderNetwork(body, network, order);
}

// The cluster's accounts: `members` when the data lists them, else the network's nodes of
// that cluster; most suspicious first.
function clusterMembers(cluster, data) {
  const listed = arr(cluster.members).filter((m) => m && m.account != null);
  if (listed.length) return listed;
  const key = String(cluster.id);
  return arr(obj(data.network).nodes)
    .filter((n) => n && n.id != null && n.cluster != null && String(n.cluster) === key)
    .map((n) => ({ account: n.id, handle: n.handle, label: n.label, platform: n.platform, score: n.score, messages: n.messages }))
    .sort((a, b) => (isNum(b.score) ? b.score : -1) - (isNum(a.score) ? a.score : -1) ||
      (String(a.account) < String(b.account) ? -1 : 1));
}

const VERDICTS = ['inauthentic', 'organic', 'undetermined'];
const verdictClass = (v) => (VERDICTS.includes(v) ? v : 'unknown');

function evidencePanel(cluster, data) {
  const panel = h('div', { class: 'evidence' });
  if (cluster.verdict) {
    panel.append(h('p', null, h('strong', null, 'Verdict: '), String(cluster.verdict),
      cluster.verdict_reasons ? ' — ' : '', dataText('span', cluster.verdict_reasons ?? '')));
  }
  const behaviours = arr(cluster.behaviours).map(String);
  if (behaviours.length) panel.append(h('p', null, h('strong', null, 'Behaviours: '), behaviours.join(', ')));
  const members = clusterMembers(cluster, data);
  if (members.length) {
    const memberTable = (rows) => table([
      { label: 'handle', value: (m) => dataText('span', m.handle ?? '') },
      { label: 'name', value: (m) => dataText('span', m.label ?? '') },
      { label: 'account id', value: (m) => dataText('span', m.account) },
      { label: 'platform', value: (m) => String(m.platform ?? '') },
      { label: 'messages', num: true, value: (m) => fmtNum(m.messages) },
      { label: 'score', num: true, value: (m) => (isNum(m.score) ? m.score.toFixed(2) : '–') },
    ], rows, { class: 'data members' });
    const few = 12;
    const most = Math.min(200, members.length);
    let shownTable = memberTable(members.slice(0, few));
    panel.append(h('h4', null, `Accounts (${fmtNum(members.length)})`), shownTable);
    if (members.length > few) {
      const more = h('button', { type: 'button', class: 'more' }, `Show ${most === members.length ? 'all' : 'the first'} ${fmtNum(most)} accounts`);
      more.addEventListener('click', () => {
        const full = memberTable(members.slice(0, most));
        shownTable.replaceWith(full);
        shownTable = full;
        more.remove();
        if (members.length > most) full.after(emptyNote(`${fmtNum(members.length - most)} more accounts are in accounts.csv.`));
      });
      shownTable.after(more);
    }
  }
  const objects = arr(cluster.top_objects);
  if (objects.length) {
    panel.append(h('h4', null, 'Top shared objects'));
    const list = h('ol', { class: 'objects' });
    for (const o of objects.slice(0, 50)) {
      const item = obj(o);
      list.append(h('li', null, dataText('span', item.object, 'object'),
        ` — ${item.behaviour == null ? '' : `${item.behaviour}, `}${fmtNum(item.count)}×`));
    }
    panel.append(list);
  }
  const messages = arr(cluster.evidence);
  panel.append(h('h4', null, `Evidence messages (${fmtNum(messages.length)})`));
  if (!messages.length) panel.append(emptyNote('No evidence messages stored for this cluster.'));
  const shown = messages.slice(0, 300);
  for (const m of shown) {
    const msg = obj(m);
    const href = safeHref(msg.url);
    panel.append(h('article', { class: 'message' },
      h('header', null,
        dataText('span', msg.handle || msg.account, 'who'),
        msg.handle && msg.account ? h('span', { class: 'muted' }, ' ', dataText('span', msg.account)) : null,
        msg.chat != null ? h('span', { class: 'muted' }, ' in ', dataText('span', msg.chat)) : null,
        h('time', null, fmtTime(msg.time)),
        msg.behaviour != null ? h('span', { class: 'tag' }, String(msg.behaviour)) : null),
      dataText('p', msg.text, 'text'),
      msg.url ? (href ? h('a', { href, rel: 'noopener noreferrer nofollow', target: '_blank', dir: 'auto', class: 'url' }, String(msg.url))
        : dataText('span', msg.url, 'url')) : null));
  }
  if (messages.length > shown.length) panel.append(emptyNote(`${fmtNum(messages.length - shown.length)} more messages are in the cluster's evidence file.`));
  return panel;
}

function renderClusters(body, data) {
  const clusters = arr(data.clusters).filter((c) => c && c.id != null);
  if (!clusters.length) {
    body.append(emptyNote('No clusters found: no group of accounts acted together more often than chance allows.'));
    return;
  }
  const columns = ['', 'cluster', 'accounts', 'messages', 'behaviours', 'first', 'last', 'median delay', 'p-value', 'mean score', 'verdict', ''];
  const tbody = h('tbody');
  clusters.forEach((c, i) => {
    const detail = h('tr', { class: 'detail', hidden: true }, h('td', { colspan: columns.length }));
    const toggle = h('button', { type: 'button', class: 'toggle', 'aria-expanded': 'false' }, 'Evidence');
    toggle.addEventListener('click', () => {
      const open = detail.hidden;
      if (open && !detail.firstChild.firstChild) detail.firstChild.append(evidencePanel(c, data));
      detail.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = open ? 'Hide' : 'Evidence';
    });
    const show = h('button', { type: 'button', class: 'link' }, 'In network');
    show.addEventListener('click', () => {
      if (networkController) {
        networkController.highlight(String(c.id));
        document.getElementById('network').scrollIntoView();
      }
    });
    tbody.append(h('tr', { class: 'cluster-row', 'data-cluster': String(c.id) },
      h('td', null, h('span', { class: 'swatch', style: `background:${clusterColor(i)}` })),
      h('td', null, String(c.id)),
      h('td', { class: 'num' }, fmtNum(c.accounts)),
      h('td', { class: 'num' }, fmtNum(c.messages)),
      h('td', null, arr(c.behaviours).map(String).join(', ')),
      h('td', null, fmtTime(c.first_time)),
      h('td', null, fmtTime(c.last_time)),
      h('td', { class: 'num' }, fmtDuration(c.median_delay_s)),
      h('td', { class: 'num', title: c.p_method === 'tail' ? 'beyond every null replicate: the upper tail of a distribution fitted to the replicates'
        : c.p_method === 'monte_carlo' ? 'share of null replicates at least as heavy (Monte Carlo)'
        : c.p_method === 'group_test' ? 'no links inside: found by the group test of the re-sharers of one source; its p-values are in the verdict\'s reasons' : null }, fmtPLog(c.p_value, c.p_log10),
      c.p_method === 'tail' ? h('sup', null, '†') : null),
      h('td', { class: 'num' }, isNum(c.mean_score) ? c.mean_score.toFixed(2) : '–'),
      h('td', { class: `verdict ${verdictClass(c.verdict)}`, title: c.verdict_reasons == null ? null : String(c.verdict_reasons) },
        c.verdict == null || c.verdict === '' ? '–' : String(c.verdict)),
      h('td', { class: 'actions' }, toggle, show)), detail);
  });
  const replicates = obj(obj(data.meta).parameters).null_replicates;
  const tail = clusters.some((c) => c.p_method === 'tail');
  body.append(h('p', { class: 'caption' }, 'Clusters ranked by strength of evidence. Coordinated is not inauthentic: each cluster has a verdict — inauthentic (discounted from adjusted support), organic (every member kept as a voice) or undetermined (one voice; the interval spans removing and keeping them). Hover a verdict or open a row for its reasons, shared objects and example messages.'),
    tail ? h('p', { class: 'caption p-note' }, `p-value: the share of ${isNum(replicates) ? fmtNum(replicates) : 'the'} null replicates whose summed weight inside the cluster reaches the cluster's; † where no replicate reaches it, the upper tail of a negative binomial (or Poisson) distribution fitted to the replicates' sums, so clusters beyond every replicate are still told apart (docs/detection.md, "Clusters").`) : null,
    h('table', { class: 'data clusters', id: 'gs-clusters' },
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))), tbody));
}

function renderSignals(body, data) {
  const signals = arr(data.signals).filter((s) => s && arr(s.bins).length);
  if (!signals.length) {
    body.append(emptyNote('No account signals in this run.'));
    return;
  }
  const grid = h('div', { class: 'chart-row' });
  for (const s of signals) {
    grid.append(h('figure', { class: 'chart small' },
      h('figcaption', null, String(s.label || s.name)),
      histogramChart(s),
      s.description ? h('p', { class: 'caption' }, String(s.description)) : null));
  }
  body.append(grid, h('p', { class: 'caption' }, 'Red line: the threshold used for that signal; above the score threshold an account counts as inauthentic in the adjusted figures.'));
}

const PARAMETER_NAMES = {
  window_s: 'window (s)',
  min_repetition: 'minimum distinct items',
  similarity: 'text similarity',
  fdr: 'FDR level',
};

// Detection at the chosen settings and with one setting moved: what is found, with or without
// actors, so a reader sees whether a result (or the lack of one) holds up.
function detectionSensitivity(rows, data) {
  // Rows at an FDR level the replicates cannot resolve say nothing about robustness.
  const informative = rows.filter((r) => !replicateLimited(r, data));
  const limited = rows.length - informative.length;
  const clusters = informative.map((r) => r.clusters).filter(isNum);
  const accounts = informative.map((r) => r.coordinated_accounts).filter(isNum);
  const base = rows.find((r) => r.baseline) || {};
  const parts = [h('h3', null, 'Detection')];
  if (clusters.length) {
    const lo = Math.min(...clusters); const hi = Math.max(...clusters);
    // The setting whose variants move the number of coordinated accounts most.
    let most = null;
    for (const r of informative) {
      if (r.baseline || !isNum(r.coordinated_accounts)) continue;
      const b = rows.find((x) => x.baseline && x.parameter === r.parameter) || base;
      const change = Math.abs(r.coordinated_accounts - (isNum(b.coordinated_accounts) ? b.coordinated_accounts : 0));
      if (!most || change > most.change) most = { row: r, base: b, change };
    }
    const range = lo === hi
      ? `Every setting tried finds ${fmtNum(lo)} cluster${lo === 1 ? '' : 's'} (${fmtNum(Math.min(...accounts))}–${fmtNum(Math.max(...accounts))} coordinated accounts).`
      : `Across the settings tried, from ${fmtNum(lo)} to ${fmtNum(hi)} clusters and ${fmtNum(Math.min(...accounts))} to ${fmtNum(Math.max(...accounts))} coordinated accounts.`;
    const moved = most && most.change > 0
      ? ` The result moves most with the ${PARAMETER_NAMES[most.row.parameter] || most.row.parameter}: at ${fmtNum(most.row.value)} instead of ${fmtNum(most.base.value)}, ${fmtNum(most.row.clusters)} clusters of ${fmtNum(most.row.coordinated_accounts)} accounts instead of ${fmtNum(most.base.clusters)} of ${fmtNum(most.base.coordinated_accounts)}.`
      : '';
    parts.push(h('p', { class: 'lede robustness' }, range + moved));
  }
  parts.push(h('p', { class: 'caption' }, 'Detection run again with one setting moved and the others at their chosen values (bold). A finding that holds across these rows does not hang on one choice; one that appears only at a looser setting is weak evidence.'),
    table([
      { label: 'setting', value: (r) => String(PARAMETER_NAMES[r.parameter] || r.parameter) },
      { label: 'value', num: true, value: (r) => (isNum(r.value) ? fmtNum(r.value) : String(r.value ?? '–')) + (replicateLimited(r, data) ? '‡' : '') },
      { label: 'pairs tested', num: true, value: (r) => fmtNum(r.edges_tested) },
      { label: 'links kept', num: true, value: (r) => fmtNum(r.edges_kept) },
      { label: 'clusters', num: true, value: (r) => fmtNum(r.clusters) },
      { label: 'coordinated accounts', num: true, value: (r) => fmtNum(r.coordinated_accounts) },
    ], rows, { class: 'data detection-sensitivity', rowClass: (r) => (r.baseline ? 'baseline' : null) }));
  if (limited) parts.push(h('p', { class: 'caption replicate-limit' }, `‡ ${replicateLimitNote(data)}`));
  return parts;
}

function renderSensitivity(body, data) {
  const detection = arr(data.detection_sensitivity).filter((r) => r && r.parameter != null);
  const rows = arr(data.sensitivity).filter((r) => r && r.parameter != null);
  if (!rows.length && !detection.length) {
    body.append(emptyNote('No sensitivity analysis in this run.'));
    return;
  }
  if (detection.length) body.append(...detectionSensitivity(detection, data));
  if (!rows.length) return;
  if (detection.length) body.append(h('h3', null, 'Support'));
  body.append(h('p', { class: 'caption' }, 'How the adjusted figure moves when one parameter changes and the others stay at their chosen values. Bold rows use the chosen value.'),
    table([
      { label: 'parameter', value: (r) => String(r.parameter) },
      { label: 'value', num: true, value: (r) => (isNum(r.value) ? fmtNum(r.value) : String(r.value ?? '–')) },
      { label: 'actor', value: (r) => dataText('span', r.actor ?? '–') },
      { label: 'metric', value: (r) => String(r.metric ?? '') },
      { label: 'adjusted', num: true, value: (r) => fmtNum(r.adjusted) },
      { label: 'interval', num: true, value: (r) => (isNum(r.ci_low) ? `${fmtNum(r.ci_low)} – ${fmtNum(r.ci_high)}` : '–') },
    ], rows, { rowClass: (r) => (r.baseline ? 'baseline' : null) }));
}

function renderParameters(body, data) {
  const meta = obj(data.meta);
  const params = obj(meta.parameters);
  // One row per name: a parameter that repeats a figure shown above (seed, version) is left out.
  const shown = { seed: meta.seed, version: meta.version, generated_at: meta.generated_at };
  const rows = [
    ['groundswell version', meta.version],
    ['generated at', meta.generated_at ? fmtTime(meta.generated_at) : null],
    ['seed', meta.seed],
    ...Object.keys(params).sort().filter((k) => !(k in shown) || shown[k] == null)
      .map((k) => [k, typeof params[k] === 'object' ? JSON.stringify(params[k]) : params[k]]),
  ].filter(([, v]) => v != null && v !== '');
  if (!rows.length) {
    body.append(emptyNote('No parameters recorded.'));
    return;
  }
  body.append(table([
    { label: 'parameter', value: (r) => String(r[0]) },
    { label: 'value', value: (r) => String(r[1]) },
  ], rows));
}

function renderProvenance(body, data) {
  const prov = obj(data.provenance);
  const files = arr(prov.files).filter((f) => f);
  if (!files.length) body.append(emptyNote('No input files recorded.'));
  else {
    const sum = (k) => files.reduce((s, f) => s + (isNum(f[k]) ? f[k] : 0), 0);
    const totals = { path: 'all files', format: '', records_read: sum('records_read'), stored: sum('stored'), duplicates: sum('duplicates'), rejected: sum('rejected') };
    body.append(table([
      { label: 'file', value: (f) => dataText('span', f.path, 'path') },
      { label: 'format', value: (f) => String(f.format ?? '') },
      { label: 'records read', num: true, value: (f) => fmtNum(f.records_read) },
      { label: 'stored', num: true, value: (f) => fmtNum(f.stored) },
      { label: 'duplicates', num: true, value: (f) => fmtNum(f.duplicates) },
      { label: 'rejected', num: true, value: (f) => fmtNum(f.rejected) },
    ], files.length > 1 ? [...files, totals] : files, { rowClass: (f) => (f === totals ? 'total' : null) }));
  }
  const counts = obj(prov.totals);
  const countKeys = Object.keys(counts).filter((k) => isNum(counts[k]));
  if (countKeys.length) {
    body.append(h('p', null, countKeys.map((k) => `${k.replace(/_/g, ' ')}: ${fmtNum(counts[k])}`).join(' · ')));
  }
  const rejects = arr(prov.reject_samples).filter((r) => r);
  if (rejects.length) {
    body.append(h('h3', null, 'Rejected records (samples)'), table([
      { label: 'file', value: (r) => dataText('span', r.file, 'path') },
      { label: 'position', value: (r) => String(r.position ?? '') },
      { label: 'reason', value: (r) => dataText('span', r.reason) },
      { label: 'excerpt', value: (r) => dataText('code', r.excerpt) },
    ], rejects));
  }
}

function renderAssumptions(body, data) {
  const items = arr(data.assumptions).filter((a) => a != null && a !== '');
  if (!items.length) {
    body.append(emptyNote('No assumptions recorded.'));
    return;
  }
  body.append(h('ul', { class: 'assumptions' }, items.map((a) => h('li', { dir: 'auto' }, String(a)))));
}

function main() {
  const { data, error } = readData();
  const meta = obj(data.meta);
  const root = document.getElementById('gs-report') || document.body.appendChild(h('main', { id: 'gs-report' }));
  root.textContent = '';
  const title = typeof meta.title === 'string' && meta.title ? meta.title : 'groundswell report';
  document.title = title;
  root.append(h('header', { class: 'top' },
    h('h1', { dir: 'auto' }, title),
    h('p', { class: 'muted' }, `Generated ${fmtTime(meta.generated_at)} by groundswell ${meta.version ?? ''}`),
    h('nav', null, SECTIONS.map(([id, label]) => h('a', { href: `#${id}` }, label)))));
  if (error) root.append(h('p', { class: 'error' }, error));
  const actors = actorList(data);
  const renderers = {
    overview: (b) => renderOverview(b, data),
    funnel: (b) => renderFunnel(b, data),
    headline: (b) => renderHeadline(b, data, actors),
    series: (b) => renderSeries(b, data, actors),
    share: (b) => renderShare(b, data, actors),
    network: (b) => renderNetworkSection(b, data),
    clusters: (b) => renderClusters(b, data),
    signals: (b) => renderSignals(b, data),
    sensitivity: (b) => renderSensitivity(b, data),
    parameters: (b) => renderParameters(b, data),
    provenance: (b) => renderProvenance(b, data),
    assumptions: (b) => renderAssumptions(b, data),
  };
  for (const [id, label] of SECTIONS) {
    const body = h('div', { class: 'section-body' });
    root.append(h('section', { id }, h('h2', null, label), body));
    try {
      renderers[id](body);
    } catch (err) {
      // One broken section must not take the rest of the report with it.
      body.append(h('p', { class: 'error' }, `This section could not be drawn: ${err && err.message}`));
      console.error(err);
    }
  }
  // Marks let tests and curious readers see where opening time goes (Performance panel).
  performance.mark('gs-sections-drawn');
  const finish = () => {
    performance.mark('gs-ready');
    document.documentElement.dataset.gsReady = 'true';
  };
  if (!networkController) {
    finish();
    return;
  }
  // Let the browser paint the tables and charts first; the network layout takes a moment on
  // large networks.
  requestAnimationFrame(() => setTimeout(() => {
    try {
      performance.mark('gs-network-start');
      networkController.start(finish);
    } catch (err) {
      const stage = document.getElementById('gs-network-stage');
      if (stage) stage.replaceWith(h('p', { class: 'error' }, `The network could not be drawn: ${err && err.message}`));
      console.error(err);
      finish();
    }
  }, 0));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();

