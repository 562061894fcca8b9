// An account: who it is, whether and with whom it acted in concert (per behaviour, each link
// down to its evidence), its signals and their reasons, and its posts over time.
import { h, arr, obj, isNum, fmtNum, fmtDuration, fmtTime, emptyNote, dataText, table } from '../dom.js';
import { dailyChart } from '../charts.js';
import { get } from './api.js';
import { state, link, accountLink, accountName, scoreBadge, messageCard, pagedList, pagedTable, section,
  facts, pValue, load, messagePair, verdictBadge, CLUSTER_KNOWN } from './ui.js';

const SIGNAL_LABELS = {
  creation_burst: 'created in a burst with other accounts',
  young_account: 'young when posting',
  handle_pattern: 'machine-like handle',
  profile: 'empty or copied profile',
  posting_rate: 'posts per active day',
  regular_gaps: 'clockwork posting (regular gaps)',
  gap_entropy: 'little variety in gaps',
  office_hours: 'office hours in one time zone',
  forward_share: 'share of forwards / retweets',
  duplicate_share: 'share of texts others posted word for word',
  follower_ratio: 'follows many, followed by few',
  channel_err: 'channel views far below subscribers',
};

function signalsSection(signals) {
  const s = obj(signals);
  const items = arr(s.items).filter((i) => i && i.name);
  const body = [];
  body.push(h('p', { class: 'lede' },
    isNum(s.score) ? ['Inauthenticity score ', h('strong', null, s.score.toFixed(2)),
      isNum(s.threshold) ? ` (accounts above ${s.threshold} are discounted in the adjusted support)` : '', '.']
      : 'No signal could be computed for this account (too few posts, no profile data).'));
  body.push(s.reasons ? h('p', null, h('strong', null, 'Reasons: '), dataText('span', s.reasons)) : emptyNote('No signal contributes enough to be a reason.'));
  const rows = items.map((i) => ({ ...i, contribution: isNum(i.score) && isNum(i.strength) ? i.score * i.strength : null }));
  body.push(table([
    { label: 'signal', value: (r) => SIGNAL_LABELS[r.name] || String(r.name) },
    { label: 'score', num: true, value: (r) => (isNum(r.score) ? r.score.toFixed(2) : 'n/a') },
    { label: 'strength', num: true, title: 'the most this signal can contribute on its own', value: (r) => (isNum(r.strength) ? r.strength.toFixed(2) : '') },
    { label: 'contribution', num: true, value: (r) => (isNum(r.contribution) ? r.contribution.toFixed(2) : '–') },
  ], rows, { class: 'data signals' }));
  const f = obj(s.figures);
  const shown = [
    ['posts per active day', f.posts_per_day], ['burstiness of gaps', f.burstiness], ['gap entropy', f.gap_entropy],
    ['office-hours share', f.office_fraction], ['best-fitting UTC offset', f.office_offset], ['forward share', f.forward_share],
    ['duplicate share', f.duplicate_share], ['follower ratio', f.follower_ratio], ['median age at posting (days)', f.median_age_days],
    ['accounts created in the same burst', f.burst_accounts],
  ].filter(([, v]) => isNum(v) || (typeof v === 'string' && v));
  body.push(facts(shown.map(([k, v]) => [k, isNum(v) ? fmtNum(v) : v])));
  return section('Signals', ...body);
}

function clusterBox(account, detection) {
  const c = account.cluster;
  if (!detection) return emptyNote('The store holds no detection yet.');
  if (!c) return h('p', null, `Not in a coordinated cluster in detection ${detection}.`);
  return h('div', { class: 'callout' },
    h('p', null, 'In ', link(`cluster/${c.cluster_id}`, { d: detection }, `cluster ${c.cluster_id}`),
      ` of detection ${detection}: ${fmtNum(c.accounts)} accounts acting together (${String(c.behaviours || '').split(';').join(', ')}), `,
      `cluster p-value ${pValue(c.p_value)}. This account co-acts with ${fmtNum(c.coordination_degree)} of them.`),
    h('p', null, 'Verdict on the cluster: ', verdictBadge(c), c.verdict_reasons ? ' — ' : '', c.verdict_reasons ? dataText('span', c.verdict_reasons, 'verdict-reasons') : null),
    extraFields(c, [...CLUSTER_KNOWN, 'coordination_degree']));
}

// Columns a newer store adds (a cluster verdict and its reasons, ...), shown as they come.
export function extraFields(row, known) {
  const extra = Object.entries(obj(row)).filter(([k, v]) => !known.includes(k) && v != null && v !== '' && typeof v !== 'object');
  if (!extra.length) return null;
  return facts(extra.map(([k, v]) => [k.replace(/_/g, ' '), isNum(v) ? fmtNum(v) : String(v)]));
}

function partnersSection(id, account) {
  const detection = account.detection;
  const groups = arr(account.partners);
  if (!detection) return section('Co-action partners', emptyNote('The store holds no detection yet.'));
  if (!groups.length) return section('Co-action partners', emptyNote(`No other account acted together with this one often enough to be linked in detection ${detection}.`));
  const holder = h('div');
  const columns = [
    { label: 'partner', value: (p) => accountLink(p.partner) },
    { label: 'behaviour', value: (p) => String(p.behaviour) },
    { label: 'items', num: true, title: 'distinct objects both acted on within the window', value: (p) => fmtNum(p.objects) },
    { label: 'pairs', num: true, title: 'co-action pairs of messages', value: (p) => fmtNum(p.pairs) },
    { label: 'median delay', num: true, value: (p) => fmtDuration(p.median_delay_s) },
    { label: 'p-value', num: true, value: (p) => pValue(p.p_value) },
    { label: 'kept', title: 'kept under the false discovery rate', value: (p) => (p.kept ? 'yes' : 'no') },
    { label: '', value: (p) => link('evidence', { d: detection, s: p.source, t: p.target, b: p.behaviour }, 'evidence') },
  ];
  const show = (behaviour) => {
    holder.textContent = '';
    for (const b of buttons.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.behaviour === behaviour));
    holder.append(pagedTable(columns, async (cursor) => {
      const r = await get(`/api/accounts/${id}/partners`, { detection, behaviour, offset: cursor, limit: 25 });
      return { items: r.partners, next: r.next, total: r.total };
    }, { class: 'data partners' }));
  };
  const buttons = h('div', { class: 'tabs', role: 'group', 'aria-label': 'behaviour' },
    groups.map((g) => {
      const b = h('button', { type: 'button', 'data-behaviour': g.behaviour }, `${g.behaviour} (${fmtNum(g.kept)} kept of ${fmtNum(g.edges)})`);
      b.addEventListener('click', () => show(g.behaviour));
      return b;
    }));
  show(groups[0].behaviour);
  return section('Co-action partners',
    h('p', { class: 'caption' }, 'Accounts this one acted together with, per behaviour: kept links first, strongest first. "evidence" shows the messages side by side.'),
    buttons, holder);
}

export async function accountPage(root, id) {
  const a = await load(`/api/accounts/${id}`, { detection: state.detection }, root);
  const acc = obj(a.account);
  root.textContent = '';
  document.title = `${accountName(acc)} — groundswell`;
  root.append(h('header', { class: 'page' },
    h('p', { class: 'crumb' }, 'Account'),
    dataText('h1', accountName(acc)),
    h('p', { class: 'muted' },
      acc.handle ? dataText('span', `@${String(acc.handle).replace(/^@/, '')}`) : null,
      ` · ${acc.platform ?? ''} · id `, dataText('span', acc.account_id ?? ''),
      acc.kind ? ` · ${acc.kind}` : '', ' ', scoreBadge(obj(a.signals).score))));
  root.append(facts([
    ['display name', acc.display_name ? dataText('span', acc.display_name) : null],
    ['description', acc.description ? dataText('span', acc.description) : null],
    ['created', acc.created_at ? fmtTime(acc.created_at) : null],
    ['followers', isNum(acc.followers) ? fmtNum(acc.followers) : null],
    ['following', isNum(acc.following) ? fmtNum(acc.following) : null],
    ['posts (profile)', isNum(acc.posts) ? fmtNum(acc.posts) : null],
    ['posts in the store', isNum(a.messages) ? fmtNum(a.messages) : null],
    ['first and last', a.first_time ? `${fmtTime(a.first_time)} – ${fmtTime(a.last_time)}` : null],
  ]));
  root.append(section(`Coordination (detection ${a.detection ?? '–'})`, clusterBox(a, a.detection)));
  root.append(partnersSection(id, a));
  if (a.signals) root.append(signalsSection(a.signals));
  const timeline = arr(a.timeline);
  const messages = h('div', { class: 'messages' });
  root.append(section('Messages over time',
    timeline.length ? h('figure', { class: 'chart' }, h('figcaption', null, 'Posts per day (UTC)'), dailyChart(timeline, 'messages', [], 900)) : emptyNote('No dated posts.'),
    pagedList(messages, async (cursor) => {
      const r = await get(`/api/accounts/${id}/messages`, { cursor, limit: 50 });
      return { items: r.messages, next: r.next, total: r.total };
    }, (m) => messageCard(m, { hideAuthor: true }), { empty: 'No posts.' })));
}

// One edge's evidence: the two accounts' messages side by side, with the delay between them.
export async function evidencePage(root, params) {
  const detection = params.get('d');
  const args = { detection, source: params.get('s'), target: params.get('t'), behaviour: params.get('b') };
  const first = await load('/api/evidence', { ...args, limit: 1 }, root);
  const e = obj(first.edge);
  root.textContent = '';
  document.title = 'Evidence — groundswell';
  root.append(h('header', { class: 'page' },
    h('p', { class: 'crumb' }, `Evidence · detection ${first.detection}`),
    h('h1', null, accountLink(e.source), ` and `, accountLink(e.target)),
    h('p', { class: 'muted' }, `${e.behaviour}: ${fmtNum(e.objects)} distinct items, ${fmtNum(e.pairs)} pairs of messages at most the window apart; median delay ${fmtDuration(e.median_delay_s)}; p-value ${pValue(e.p_value)}; ${e.kept ? 'kept' : 'not kept'} under the false discovery rate.`)));
  const list = h('div', { class: 'pairs' });
  root.append(section('Messages side by side',
    h('p', { class: 'caption' }, 'Left: the first account. Right: the second, with how long after (or before) it acted.'),
    pagedList(list, async (cursor) => {
      const r = await get('/api/evidence', { ...args, offset: cursor, limit: 20 });
      return { items: r.pairs, next: r.next, total: r.total };
    }, (p) => messagePair(p, 'time of the right message minus time of the left one'))));
}

