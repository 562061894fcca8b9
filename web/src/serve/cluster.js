// A cluster: its members, what they acted on together, when, the links between them (each
// down to its evidence), and the p-values; then an object: everyone who shared one link,
// hashtag, post or text, in time order.
import { h, arr, obj, isNum, fmtNum, fmtPct, fmtDuration, fmtTime, emptyNote, dataText } from '../dom.js';
import { dailyChart } from '../charts.js';
import { OBJECT_NAMES } from '../overview.js';
import { get } from './api.js';
import { state, link, accountLink, scoreBadge, messageCard, pagedList, pagedTable, section, facts, pValue,
  load, objectLink, fmtOffset, messagePair, verdictBadge, CLUSTER_KNOWN } from './ui.js';
import { extraFields } from './account.js';


export async function clusterPage(root, clusterId) {
  const r = await load(`/api/clusters/${clusterId}`, { detection: state.detection }, root);
  const c = obj(r.cluster);
  const detection = r.detection;
  root.textContent = '';
  document.title = `Cluster ${clusterId} — groundswell`;
  root.append(h('header', { class: 'page' },
    h('p', { class: 'crumb' }, link('', { d: detection }, `Detection ${detection}`), ' › Cluster'),
    h('h1', null, `Cluster ${c.cluster_id}`),
    h('p', { class: 'muted' }, `${fmtNum(c.accounts)} accounts acting together by ${String(c.behaviours || '').split(';').join(', ')}`)));
  root.append(facts([
    ['verdict', verdictBadge(c)],
    ['why', c.verdict_reasons ? dataText('span', c.verdict_reasons, 'verdict-reasons') : null],
    ['members created over', isNum(c.created_spread_days) ? fmtDuration(c.created_spread_days * 86400) : null],
    ['messages behind its links', fmtNum(c.messages)],
    ['active', c.first_time ? `${fmtTime(c.first_time)} – ${fmtTime(c.last_time)}` : null],
    ['median delay between members', fmtDuration(c.median_delay_s)],
    ['share of all messages', isNum(c.share_of_activity) ? fmtPct(100 * c.share_of_activity, 2) : null],
    ['cluster p-value', pValue(c.p_value)],
    ['mean inauthenticity score of members', isNum(r.mean_score) ? r.mean_score.toFixed(2) : null],
  ]), extraFields(c, CLUSTER_KNOWN) || '');
  const objects = arr(c.top_objects).filter((o) => o && o.object != null);
  root.append(section('What they acted on together',
    objects.length ? h('ol', { class: 'top-objects' }, objects.map((o) => h('li', null,
      o.behaviour === 'similar_text' ? dataText('span', o.object, 'object')
        : objectLink(o.behaviour, { key: o.object }, dataText('span', o.object, 'object')),
      h('span', { class: 'muted' }, ` — ${OBJECT_NAMES[o.behaviour] || o.behaviour}, ${fmtNum(o.messages)} messages`))))
      : emptyNote('No top objects stored.')));
  const timeline = arr(r.timeline);
  root.append(section('Members\' posts over time',
    timeline.length ? h('figure', { class: 'chart' }, h('figcaption', null, 'Posts per day by all members (UTC)'), dailyChart(timeline, 'messages', [], 900))
      : emptyNote(r.index_ready === false ? 'The server is still reading the store.' : 'No dated posts.')));
  root.append(section(`Members (${fmtNum(r.members)})`, pagedTable([
    { label: 'account', value: (m) => accountLink(m.account) },
    { label: 'platform', value: (m) => String(obj(m.account).platform ?? '') },
    { label: 'co-acts with', num: true, title: 'coordination degree: members it is linked to', value: (m) => fmtNum(m.coordination_degree) },
    { label: 'posts', num: true, value: (m) => fmtNum(obj(m.account).messages) },
    { label: 'score', value: (m) => scoreBadge(obj(m.account).score) || '–' },
  ], async (cursor) => {
    const p = await get(`/api/clusters/${clusterId}/members`, { detection, cursor, limit: 50 });
    return { items: p.members, next: p.next, total: r.members };
  }, { class: 'data members' })));
  root.append(section('Links between members, strongest first', pagedTable([
    { label: 'account', value: (e) => accountLink(e.source) },
    { label: 'and', value: (e) => accountLink(e.target) },
    { label: 'behaviour', value: (e) => String(e.behaviour) },
    { label: 'items', num: true, value: (e) => fmtNum(e.objects) },
    { label: 'pairs', num: true, value: (e) => fmtNum(e.pairs) },
    { label: 'median delay', num: true, value: (e) => fmtDuration(e.median_delay_s) },
    { label: 'p-value', num: true, value: (e) => pValue(e.p_value) },
    { label: '', value: (e) => link('evidence', { d: detection, s: obj(e.source).id, t: obj(e.target).id, b: e.behaviour }, 'evidence') },
  ], async (cursor) => {
    const p = await get(`/api/clusters/${clusterId}/edges`, { detection, offset: cursor, limit: 25 });
    return { items: p.edges, next: p.next, total: p.total };
  }, { class: 'data edges', empty: 'No kept links between members.' })));
  // The group test's evidence: members' re-posts of the source whose re-sharers it flagged.
  if (obj(c.verdict_evidence).fired_source != null) {
    const title = 'Re-posts of the source the group test flagged them on';
    if (r.index_ready === false) {
      root.append(section(title, emptyNote('The server is still reading the store.')));
      return;
    }
    const first = await get(`/api/clusters/${clusterId}/reposts`, { detection, limit: 20 });
    const list = h('div', { class: 'pairs' });
    let served = false;
    root.append(section(title,
      h('p', { class: 'caption' }, 'Members re-posting posts of ', first.source ? accountLink(first.source) : 'the source',
        ', in time order. Left: the post. Right: the member\'s re-post, with how long after it came.'),
      pagedList(list, async (cursor) => {
        const r = cursor == null && !served ? first : await get(`/api/clusters/${clusterId}/reposts`, { detection, offset: cursor, limit: 20 });
        served = true;
        return { items: r.pairs, next: r.next, total: r.total };
      }, (p) => messagePair(p, 'time of the re-post minus time of the post'),
      { empty: 'No re-posts of its posts by members.' })));
  }
}

export async function objectPage(root, behaviour, params) {
  const args = { behaviour, key: params.get('key'), message: params.get('m'), item: params.get('item') };
  const first = await load('/api/objects', { ...args, limit: 50 }, root);
  root.textContent = '';
  document.title = `${behaviour} — groundswell`;
  root.append(h('header', { class: 'page' },
    h('p', { class: 'crumb' }, OBJECT_NAMES[behaviour] || behaviour),
    dataText('h1', first.key, 'object-key'),
    h('p', { class: 'muted' }, `${fmtNum(first.total)} posts by ${fmtNum(first.accounts)} accounts`,
      first.first_time ? `, from ${fmtTime(first.first_time)} to ${fmtTime(first.last_time)}` : '', '.')));
  const list = h('div', { class: 'messages' });
  let served = false;
  root.append(section('Everyone who shared it, in time order',
    h('p', { class: 'caption' }, 'Each post with how long after the first one it came. Reposts are listed too.'),
    pagedList(list, async (cursor) => {
      const page = cursor == null && !served ? first : await get('/api/objects', { ...args, cursor, limit: 50 });
      served = true;
      return { items: page.messages, next: page.next, total: page.total };
    }, (x) => messageCard(x.message, { badge: h('span', { class: 'offset-badge', title: 'after the first post' }, fmtOffset(x.offset_s)) }),
    { empty: 'No post carries it.' })));
}
