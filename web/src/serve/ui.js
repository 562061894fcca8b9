// Pieces every page of `groundswell serve` uses: links between pages, accounts and messages
// as the reader sees them, lists that page on demand. Data is hostile: it reaches the page
// only through h() and dataText() (text nodes and setAttribute), never as markup.
import { h, arr, obj, isNum, fmtNum, fmtP, fmtDuration, fmtTime, safeHref, emptyNote, dataText } from '../dom.js';
import { get } from './api.js';

// Hash routes: #/account/12?d=3. `d` carries the detection being looked at.
export function href(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v != null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return `#/${path}${s ? `?${s}` : ''}`;
}

export const state = { detection: null, status: null };

export const withDetection = (params = {}) => (state.detection ? { d: state.detection, ...params } : params);

export function link(path, params, ...children) {
  return h('a', { href: href(path, params) }, ...children);
}

// How an account is named: display name, then @handle, then its id.
export function accountName(a) {
  const acc = obj(a);
  if (acc.display_name) return String(acc.display_name);
  if (acc.handle) return `@${String(acc.handle).replace(/^@/, '')}`;
  return String(acc.account_id ?? acc.id ?? '?');
}

export function accountLink(a, extra) {
  const acc = obj(a);
  if (acc.id == null) return h('span', { class: 'muted' }, 'unknown account');
  return h('a', { href: href(`account/${acc.id}`, withDetection()), class: 'account', dir: 'auto' },
    dataText('span', accountName(acc), 'name'),
    acc.handle && acc.display_name ? h('span', { class: 'muted handle', dir: 'auto' }, ` @${String(acc.handle).replace(/^@/, '')}`) : null,
    extra);
}

export function scoreBadge(score) {
  if (!isNum(score)) return null;
  const cls = score >= 0.7 ? 'badge bad' : score >= 0.4 ? 'badge warn' : 'badge';
  return h('span', { class: cls, title: 'inauthenticity score (0–1) from the account signals' }, `score ${score.toFixed(2)}`);
}

export function fmtOffset(seconds) {
  if (!isNum(seconds)) return '–';
  const sign = seconds < 0 ? '−' : '+';
  return `${sign}${fmtDuration(Math.abs(seconds))}`;
}

export const objectLink = (behaviour, params, ...children) =>
  h('a', { href: href(`object/${behaviour}`, withDetection(params)), class: 'object', dir: 'auto' }, ...children);

// Two messages side by side ({source, target, offset_s}: an edge's evidence, a re-post beside
// its post), with how long after the first the second came; `title` says which minus which.
export function messagePair(p, title) {
  return h('div', { class: 'pair' },
    messageCard(p.source),
    h('div', { class: 'offset', title }, fmtOffset(p.offset_s)),
    messageCard(p.target));
}

// One message: who, when, where, its text, and links to everyone who shared the same link,
// hashtag, post or text.
export function messageCard(m, options = {}) {
  const msg = obj(m);
  const author = { id: msg.account, account_id: msg.account_id, handle: msg.handle, display_name: msg.display_name };
  // The API gives milliseconds since the epoch (UTC); shown and marked up as ISO 8601.
  const when = isNum(msg.time_ms) ? new Date(msg.time_ms).toISOString() : '';
  const header = h('header', null,
    options.hideAuthor ? null : accountLink(author),
    h('time', { datetime: when }, fmtTime(when)),
    msg.chat_id ? h('span', { class: 'muted' }, 'in ', dataText('span', msg.chat_id)) : null,
    msg.platform ? h('span', { class: 'muted' }, String(msg.platform)) : null,
    msg.shares ? h('span', { class: 'tag' }, 'repost') : null,
    msg.kind === 1 ? h('span', { class: 'tag' }, 'event') : null,
    options.badge || null);
  const links = h('div', { class: 'objects' });
  for (const [i, url] of arr(msg.urls).entries()) {
    const safe = safeHref(url);
    links.append(h('span', { class: 'obj' },
      objectLink('link', { m: msg.id, item: i }, dataText('span', url, 'url')),
      safe ? h('a', { href: safe, rel: 'noopener noreferrer nofollow', target: '_blank', class: 'ext', title: 'open the page itself' }, '↗') : null));
  }
  for (const [i, tag] of arr(msg.hashtags).entries()) {
    links.append(objectLink('hashtag', { m: msg.id, item: i }, dataText('span', `#${String(tag).replace(/^#/, '')}`, 'hashtag')));
  }
  if (msg.shares) links.append(objectLink('share', { m: msg.id }, 'everyone who re-posted the same post'));
  if (msg.text && !msg.shares) links.append(objectLink('text', { m: msg.id }, 'same text elsewhere'));
  if (msg.media_key) links.append(objectLink('media', { m: msg.id }, 'same media'));
  const counters = ['views', 'forwards', 'replies', 'reactions', 'likes', 'retweets']
    .filter((k) => isNum(msg[k])).map((k) => `${fmtNum(msg[k])} ${k}`).join(' · ');
  return h('article', { class: 'message', 'data-message': msg.id ?? '' },
    header,
    dataText('p', msg.text ?? '', 'text'),
    links.childNodes.length ? links : null,
    counters ? h('p', { class: 'counters muted' }, counters) : null);
}

// A list that pages: `load(cursor)` returns {items, next, total[, atLeast]}; `render(item)` makes a node;
// `container` receives them. A "More" button asks for the next page while there is one.
// `options.frame` is what to show in place of the container when the container sits inside it
// (a table around its body).
export function pagedList(container, load, render, options = {}) {
  const wrap = h('div', { class: 'paged' });
  const more = h('button', { type: 'button', class: 'more' }, options.moreLabel || 'More');
  const note = h('p', { class: 'muted paged-note' });
  let next = null;
  let count = 0;
  const page = async (cursor) => {
    more.disabled = true;
    try {
      const { items, next: following, total, atLeast } = await load(cursor);
      for (const item of arr(items)) container.append(render(item));
      count += arr(items).length;
      next = following ?? null;
      if (!count && options.empty) (options.frame || container).replaceWith(emptyNote(options.empty));
      // Lists that do not count every item (search) give `atLeast` instead of `total`.
      if (isNum(total)) note.textContent = `${fmtNum(count)} of ${fmtNum(total)} shown`;
      else if (isNum(atLeast)) note.textContent = `${fmtNum(count)} of at least ${fmtNum(atLeast)} shown`;
      else note.textContent = '';
      more.hidden = next == null;
    } catch (err) {
      wrap.append(h('p', { class: 'error' }, String(err.message || err)));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => page(next));
  wrap.append(options.frame || container, note, more);
  page(null);
  return wrap;
}

// Rows into an existing table body, from a column list like dom.js's table().
export function tableRow(columns, row) {
  const tr = h('tr');
  for (const c of columns) {
    const value = c.value(row);
    tr.append(value instanceof Node
      ? h('td', { class: c.num ? 'num' : null }, value)
      : h('td', { class: c.num ? 'num' : null }, value == null ? '' : String(value)));
  }
  return tr;
}

export function pagedTable(columns, load, options = {}) {
  const body = h('tbody');
  const tableNode = h('table', { class: options.class || 'data' },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : null, scope: 'col', title: c.title }, c.label)))),
    body);
  const frame = h('div', { class: 'table-wrap' }, tableNode);
  return pagedList(body, load, (row) => tableRow(columns, row), { ...options, frame });
}

export function section(title, ...children) {
  return h('section', null, h('h2', null, title), ...children);
}

export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v != null && v !== '').map(([k, v]) =>
    [h('dt', null, k), v instanceof Node ? h('dd', null, v) : h('dd', { dir: 'auto' }, String(v))]));
}

export const pValue = (p) => (isNum(p) ? fmtP(p) : 'not tested');

// A cluster's verdict (docs/detection.md, "Verdicts") as a badge, its reasons on hover; a
// detection stored before verdicts were recorded has none.
const VERDICT_CLASS = { inauthentic: 'badge bad', organic: 'badge', undetermined: 'badge warn' };
export function verdictBadge(cluster) {
  const c = obj(cluster);
  if (c.verdict == null || c.verdict === '') {
    return h('span', { class: 'muted', title: 'this detection was stored before groundswell recorded verdicts; re-run it to get them' }, 'not recorded');
  }
  return h('span', { class: VERDICT_CLASS[c.verdict] || 'badge', title: c.verdict_reasons ? String(c.verdict_reasons) : null }, String(c.verdict));
}

// Keys of a cluster row every page shows in its own way (the rest: extraFields).
export const CLUSTER_KNOWN = ['cluster_id', 'accounts', 'messages', 'behaviours', 'first_time_ms', 'last_time_ms', 'first_time',
  'last_time', 'median_delay_s', 'share_of_activity', 'weight', 'p_value', 'top_objects', 'created_spread_days', 'verdict',
  'verdict_reasons', 'verdict_evidence'];

// Loads with progress while the server indexes the store.
export async function load(path, params, target) {
  return get(path, params, (index) => {
    if (!target) return;
    target.textContent = '';
    target.append(h('p', { class: 'progress' },
      `The server is still reading the store (${index.stage}${isNum(index.fraction) && index.fraction > 0 ? `, ${Math.round(index.fraction * 100)}%` : ''}); this page appears when it is done.`));
  });
}
