// The data overview: what the data is, before anything was detected in it. Reads
// `overview` (docs/report.md): posts, events and accounts per platform and day, the most
// active accounts, the most shared objects per behaviour, languages, gaps and rejects.
import { h, arr, obj, isNum, fmtNum, fmtPct, fmtTime, emptyNote, table, dataText } from './dom.js';
import { dailyChart } from './charts.js';

// What each behaviour's objects are, in a reader's words.
export const OBJECT_NAMES = {
  share: 're-posted posts',
  link: 'links (canonical URL)',
  domain: 'links by domain',
  hashtag: 'hashtags',
  mention: 'mentioned accounts',
  reply: 'replied-to posts',
  media: 'media files',
  text: 'identical texts',
  similar_text: 'near-duplicate texts',
};

const plural = (n, one, many) => `${fmtNum(n)} ${n === 1 ? one : many}`;
const day = (t) => (typeof t === 'string' && t.length >= 10 ? t.slice(0, 10) : fmtTime(t));

function fmtHours(hours) {
  if (!isNum(hours)) return '–';
  return hours >= 48 ? `${fmtNum(hours / 24)} days` : `${fmtNum(hours)} h`;
}

function summary(ov, platforms) {
  const accounts = platforms.reduce((s, p) => s + (isNum(p.accounts) ? p.accounts : 0), 0);
  const events = platforms.reduce((s, p) => s + (isNum(p.events) ? p.events : 0), 0);
  const names = platforms.map((p) => String(p.platform ?? '')).filter((n) => n);
  const parts = [`${plural(ov.messages, 'post', 'posts')} by ${plural(accounts, 'account', 'accounts')}`];
  if (names.length) parts.push(` on ${names.length === 1 ? 'one platform' : `${names.length} platforms`} (${names.join(', ')})`);
  if (ov.first_time) {
    parts.push(`, from ${day(ov.first_time)} to ${day(ov.last_time)} (${plural(ov.days, 'day', 'days')}`);
    parts.push(isNum(ov.active_days) && ov.active_days !== ov.days ? `, posts on ${fmtNum(ov.active_days)} of them)` : ')');
  }
  parts.push('.');
  if (isNum(ov.undated) && ov.undated > 0) parts.push(` ${plural(ov.undated, 'post has', 'posts have')} no time and take no part in detection.`);
  parts.push(events > 0 ? ` ${plural(events, 'service event', 'service events')} (joins, pins, ...).` : ' No service events.');
  parts.push(isNum(ov.rejected) && ov.rejected > 0
    ? ` ${plural(ov.rejected, 'record was', 'records were')} rejected (reasons below).`
    : ' No record was rejected.');
  return h('p', { class: 'lede' }, parts);
}

function dailyCharts(daily, platforms) {
  const names = platforms.map((p) => String(p.platform ?? ''));
  const rows = daily.filter((r) => r && typeof r.day === 'string');
  if (!rows.length) return emptyNote('No dated posts.');
  const wrap = h('div', { class: 'chart-row' });
  const hasEvents = rows.some((r) => isNum(r.events) && r.events > 0);
  const charts = [['messages', 'Posts per day'], ['accounts', 'Accounts posting per day']];
  if (hasEvents) charts.push(['events', 'Service events per day']);
  for (const [field, label] of charts) {
    wrap.append(h('figure', { class: 'chart', 'data-chart': field },
      h('figcaption', null, label), dailyChart(rows, field, names, hasEvents ? 430 : 520)));
  }
  return wrap;
}

function objectTables(ov) {
  const uses = arr(ov.behaviours).filter((b) => b && b.behaviour != null);
  const top = arr(ov.top_objects).filter((o) => o && o.behaviour != null);
  if (!uses.length) return [emptyNote('No re-posts, links, hashtags, mentions, replies or media in the data.')];
  const out = [h('p', { class: 'caption' },
    'Objects as detection sees them: links canonicalized, hashtags normalized, and a re-post counts only as a re-post of its original (the links and hashtags inside it were chosen by the original\'s author).')];
  const grid = h('div', { class: 'object-grid' });
  for (const use of uses) {
    const name = String(use.behaviour);
    const rows = top.filter((o) => String(o.behaviour) === name);
    grid.append(h('div', { class: 'object-block', 'data-behaviour': name },
      h('h4', null, `Most ${OBJECT_NAMES[name] || name}`),
      h('p', { class: 'caption' }, `${fmtNum(use.actions)} ${name} actions on ${fmtNum(use.objects)} distinct objects by ${fmtNum(use.accounts)} accounts.`),
      table([
        { label: 'object', value: (o) => dataText('span', o.object, 'object') },
        { label: 'posts', num: true, value: (o) => fmtNum(o.messages) },
        { label: 'accounts', num: true, value: (o) => fmtNum(o.accounts) },
      ], rows, { class: 'data objects-table' })));
  }
  out.push(grid);
  return out;
}

export function renderOverview(body, data) {
  const ov = obj(data.overview);
  if (!Object.keys(ov).length) {
    body.append(emptyNote('No data overview in this report.'));
    return;
  }
  const platforms = arr(ov.platforms).filter((p) => p);
  body.append(summary(ov, platforms));
  if (platforms.length > 1 || platforms.some((p) => isNum(p.events) && p.events > 0)) {
    body.append(table([
      { label: 'platform', value: (p) => String(p.platform ?? '') },
      { label: 'posts', num: true, value: (p) => fmtNum(p.messages) },
      { label: 'service events', num: true, value: (p) => fmtNum(p.events) },
      { label: 'accounts posting', num: true, value: (p) => fmtNum(p.accounts) },
    ], platforms));
  }
  body.append(dailyCharts(arr(ov.daily), platforms));

  const gaps = arr(ov.gaps).filter((g) => g && isNum(g.hours));
  if (ov.first_time) {
    body.append(h('h3', null, 'Time coverage and gaps'),
      h('p', null, `First post ${fmtTime(ov.first_time)}, last ${fmtTime(ov.last_time)}. ` +
        (gaps.length ? `The longest stretches without any post (an hour or more; a collection outage shows here):`
          : 'No stretch of an hour or more without a post.')));
    if (gaps.length) {
      body.append(table([
        { label: 'from', value: (g) => fmtTime(g.from) },
        { label: 'to', value: (g) => fmtTime(g.to) },
        { label: 'length', num: true, value: (g) => fmtHours(g.hours) },
      ], gaps, { class: 'data gaps' }));
    }
  }

  const accounts = arr(ov.top_accounts).filter((a) => a && a.account != null);
  body.append(h('h3', null, 'Most active accounts'));
  if (!accounts.length) body.append(emptyNote('No account posted.'));
  else {
    // Columns the data never fills (handles and names of a CooRTweet CSV) are left out.
    const some = (k) => accounts.some((a) => a[k] != null && a[k] !== '');
    body.append(table([
      some('handle') ? { label: 'handle', value: (a) => dataText('span', a.handle ?? '') } : null,
      some('label') ? { label: 'name', value: (a) => dataText('span', a.label ?? '') } : null,
      { label: 'account id', value: (a) => dataText('span', a.account) },
      { label: 'platform', value: (a) => String(a.platform ?? '') },
      { label: 'posts', num: true, value: (a) => fmtNum(a.messages) },
      { label: 're-posts', num: true, value: (a) => fmtNum(a.reposts) },
      { label: 'active days', num: true, value: (a) => fmtNum(a.active_days) },
      { label: 'first', value: (a) => fmtTime(a.first_time) },
      { label: 'last', value: (a) => fmtTime(a.last_time) },
      { label: 'cluster', num: true, value: (a) => (a.cluster == null ? '–' : String(a.cluster)) },
    ], accounts, { class: 'data top-accounts' }));
  }

  body.append(h('h3', null, 'Most shared objects'), ...objectTables(ov));

  const languages = arr(ov.languages).filter((l) => l && isNum(l.count));
  const total = languages.reduce((s, l) => s + l.count, 0);
  body.append(h('h3', null, 'Languages'));
  if (!total) body.append(emptyNote('No posts.'));
  else if (languages.length === 1 && !languages[0].name) body.append(emptyNote('The data gives no language for its posts.'));
  else {
    body.append(h('p', { class: 'languages' }, languages.map((l, i) => [
      i ? ' · ' : '', dataText('span', l.name ? String(l.name) : 'not given'), ` ${fmtPct((100 * l.count) / total)}`])));
  }

  const reasons = arr(ov.reject_reasons).filter((r) => r && isNum(r.count));
  if (reasons.length) {
    body.append(h('h3', null, 'Rejected records by reason'), table([
      { label: 'reason', value: (r) => dataText('span', r.name) },
      { label: 'records', num: true, value: (r) => fmtNum(r.count) },
    ], reasons, { class: 'data reject-reasons' }),
    h('p', { class: 'caption' }, 'Numbers inside a reason are written N. Examples with file and position are under Provenance; every rejected record is in rejects.jsonl.'));
  }
}
