// "What drives the totals": for each heavy-tailed total (views, reactions, engagement) of an
// actor, the accounts that contribute most and how much of it the reasonable classifications
// disagree about, so a reader sees what the interval's width comes from (docs/report.md,
// `drivers`). Shared by the report and `groundswell serve`'s actor pages; data is hostile and
// reaches the page only as text.
import { h, arr, isNum, fmtNum, fmtPct, table, dataText } from './dom.js';

// What a contributor adds to the adjusted total over the reasonable classifications.
function countedUnder(c) {
  if (!isNum(c.adjusted_low) || !isNum(c.adjusted_high)) return '–';
  if (c.adjusted_low === c.adjusted_high) {
    if (c.adjusted_low === 0) return 'discounted under every one';
    return isNum(c.raw) && c.adjusted_low === c.raw ? 'counted under every one' : fmtNum(c.adjusted_low);
  }
  return `${fmtNum(c.adjusted_low)} – ${fmtNum(c.adjusted_high)}`;
}

const reportAccount = (c) => dataText('span', c.label || c.handle || c.account);

// `data.drivers` as the report data (or serve's /api/actors) has them, in the order of
// `actors` (names); `accountCell(c)` draws a top account's cell (default: its name as text).
export function renderDrivers(data, actors, accountCell = reportAccount) {
  const rows = arr(data.drivers).filter((d) => d && d.actor != null && d.metric != null);
  if (!rows.length) return [];
  const parts = [h('h3', null, 'What drives the totals'),
    h('p', { class: 'caption' }, 'Views, reactions and engagement can be dominated by a few large channels or accounts. For each, the accounts that contribute most, their share of the visible total, and what each adds to the adjusted total over the reasonable classifications. Only what the classifications disagree about can widen the interval.')];
  const order = (d) => { const i = actors.indexOf(String(d.actor)); return i < 0 ? actors.length : i; };
  for (const d of [...rows].sort((a, b) => order(a) - order(b))) {
    const top = arr(d.top).filter((c) => c && typeof c === 'object');
    const uncertain = isNum(d.uncertain_accounts) ? d.uncertain_accounts : 0;
    const sentence = [dataText('strong', d.actor), ` · ${String(d.metric)}: ${fmtNum(d.raw)} visible`];
    if (isNum(d.adjusted)) sentence.push(`, ${fmtNum(d.adjusted)} adjusted`);
    if (isNum(d.ci_low) && isNum(d.ci_high)) sentence.push(` (interval ${fmtNum(d.ci_low)}–${fmtNum(d.ci_high)})`);
    sentence.push('. ');
    if (top.length) sentence.push(`The ${top.length} largest account${top.length === 1 ? '' : 's'} hold${top.length === 1 ? 's' : ''} ${fmtPct(d.top_share_pct)} of it. `);
    sentence.push(uncertain
      ? `${fmtNum(uncertain)} account${uncertain === 1 ? '' : 's'} holding ${fmtPct(d.uncertain_share_pct, 2)} of it ${uncertain === 1 ? 'is' : 'are'} counted under some reasonable classifications and not under others: the interval comes from ${uncertain === 1 ? 'it' : 'them'}.`
      : 'Every reasonable classification counts the same accounts: the interval has no width to explain.');
    parts.push(h('div', { class: 'drivers', 'data-actor': String(d.actor), 'data-metric': String(d.metric) },
      h('p', null, sentence),
      top.length ? table([
        { label: 'account', value: accountCell },
        { label: 'handle', value: (c) => dataText('span', c.handle || '–') },
        { label: 'platform', value: (c) => String(c.platform ?? '') },
        { label: d.metric === 'views' ? 'views' : String(d.metric), num: true, value: (c) => fmtNum(c.raw) },
        { label: 'share of total', num: true, value: (c) => fmtPct(c.share_pct) },
        { label: 'adjusted', num: true, value: (c) => fmtNum(c.adjusted) },
        { label: 'over the classifications', num: true, value: countedUnder },
      ], top) : null));
  }
  return parts;
}
