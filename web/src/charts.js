// Charts of the report, drawn with Observable Plot into SVG. Plot writes every label, tick
// and tooltip through textContent, so hostile actor names stay text.
import * as Plot from '@observablehq/plot';
import { h, arr, isNum, fmtNum, fmtPct, emptyNote } from './dom.js';

export const ACTOR_COLORS = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7',
  '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0'];

export const METRIC_ORDER = ['accounts', 'accounts_sources', 'accounts_own_words', 'accounts_reposts_only', 'accounts_undetermined', 'messages', 'engagement', 'views', 'forwards',
  'reactions', 'replies'];

export function sortMetrics(metrics) {
  const rank = (m) => {
    const i = METRIC_ORDER.indexOf(m);
    return i < 0 ? METRIC_ORDER.length : i;
  };
  return [...new Set(metrics)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function actorColorScale(actors) {
  return { domain: actors, range: actors.map((_, i) => ACTOR_COLORS[i % ACTOR_COLORS.length]) };
}

const compact = (v) => (Math.abs(v) >= 1e4 ? new Intl.NumberFormat('en-US', { notation: 'compact' }).format(v) : fmtNum(v));

// Raw vs adjusted per actor, one small chart per metric: grey bar = what the platform shows,
// coloured bar = what remains, black whisker = the interval of the adjusted figure.
export function headlineChart(rows, actors) {
  const metrics = sortMetrics(rows.map((r) => r.metric)).slice(0, 4);
  const wrap = h('div', { class: 'chart-row' });
  const color = actorColorScale(actors);
  for (const metric of metrics) {
    const data = rows.filter((r) => r.metric === metric && isNum(r.raw));
    if (!data.length) continue;
    const ci = data.filter((r) => isNum(r.ci_low) && isNum(r.ci_high));
    const chart = Plot.plot({
      width: 300,
      height: 50 + 34 * actors.length,
      marginLeft: 110,
      marginRight: 20,
      x: { grid: true, label: null, tickFormat: compact, ticks: 4 },
      y: { domain: actors, label: null, tickFormat: (a) => (a.length > 16 ? `${a.slice(0, 15)}…` : a) },
      color,
      marks: [
        Plot.barX(data, { y: 'actor', x: 'raw', fill: '#d0d3d8', title: (r) => `${r.actor}\nvisible: ${fmtNum(r.raw)}` }),
        Plot.barX(data.filter((r) => isNum(r.adjusted)), {
          y: 'actor', x: 'adjusted', fill: 'actor', insetTop: 7, insetBottom: 7,
          title: (r) => `${r.actor}\nadjusted: ${fmtNum(r.adjusted)}` +
            (isNum(r.ci_low) ? ` (interval ${fmtNum(r.ci_low)}–${fmtNum(r.ci_high)})` : ''),
        }),
        Plot.ruleY(ci, { y: 'actor', x1: 'ci_low', x2: 'ci_high', stroke: '#111' }),
        Plot.tickX(ci, { y: 'actor', x: 'ci_low', stroke: '#111', insetTop: 9, insetBottom: 9 }),
        Plot.tickX(ci, { y: 'actor', x: 'ci_high', stroke: '#111', insetTop: 9, insetBottom: 9 }),
        Plot.ruleX([0]),
      ],
    });
    wrap.append(h('figure', { class: 'chart small' }, h('figcaption', null, metric), chart));
  }
  return wrap;
}

function parsePeriod(value) {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(value);
  if (!m) return null;
  const t = Date.UTC(+m[1], +m[2] - 1, m[3] ? +m[3] : 1);
  return Number.isNaN(t) ? null : new Date(t);
}

// Support over time: dashed = raw, solid = adjusted, band = the interval of the adjusted.
export function seriesChart(rows, actors, metric) {
  const data = rows.filter((r) => r.metric === metric && (isNum(r.raw) || isNum(r.adjusted)));
  if (!data.length) return emptyNote(`No time series for ${metric}.`);
  const dated = data.every((r) => parsePeriod(r.period));
  const points = data.map((r) => ({ ...r, x: dated ? parsePeriod(r.period) : String(r.period) }))
    .sort((a, b) => (a.x < b.x ? -1 : a.x > b.x ? 1 : 0));
  const band = points.filter((r) => isNum(r.ci_low) && isNum(r.ci_high));
  return Plot.plot({
    width: 900,
    height: 320,
    marginLeft: 60,
    x: dated ? { type: 'utc', label: null } : { type: 'point', label: null },
    y: { grid: true, label: metric, tickFormat: compact, zero: true },
    color: { ...actorColorScale(actors), legend: true },
    marks: [
      Plot.areaY(band, { x: 'x', y1: 'ci_low', y2: 'ci_high', fill: 'actor', fillOpacity: 0.15, z: 'actor' }),
      Plot.lineY(points.filter((r) => isNum(r.raw)), { x: 'x', y: 'raw', stroke: 'actor', strokeDasharray: '4,3', strokeOpacity: 0.8, z: 'actor' }),
      Plot.lineY(points.filter((r) => isNum(r.adjusted)), { x: 'x', y: 'adjusted', stroke: 'actor', strokeWidth: 2, z: 'actor' }),
      Plot.tip(points, Plot.pointerX({
        x: 'x', y: 'adjusted', stroke: 'actor',
        title: (r) => `${r.actor} · ${r.period}\nraw ${fmtNum(r.raw)}\nadjusted ${fmtNum(r.adjusted)}` +
          (isNum(r.ci_low) ? ` (interval ${fmtNum(r.ci_low)}–${fmtNum(r.ci_high)})` : ''),
      })),
      Plot.ruleY([0]),
    ],
  });
}

// Share of voice: for each metric, two stacked bars (raw and adjusted) that each sum to 100%.
export function shareOfVoiceChart(rows, actors) {
  const long = [];
  for (const r of rows) {
    if (isNum(r.raw)) long.push({ actor: r.actor, metric: r.metric, kind: 'raw', pct: r.raw });
    if (isNum(r.adjusted)) long.push({ actor: r.actor, metric: r.metric, kind: 'adjusted', pct: r.adjusted });
  }
  if (!long.length) return emptyNote('No share of voice: fewer than one actor with activity.');
  const metrics = sortMetrics(long.map((r) => r.metric));
  return Plot.plot({
    width: 900,
    height: 40 + 70 * metrics.length,
    marginLeft: 70,
    marginRight: 100,
    x: { label: 'share of voice (%)', domain: [0, 100], grid: true },
    y: { domain: ['raw', 'adjusted'], label: null },
    fy: { domain: metrics, label: null, tickSize: 0, tickPadding: 10 },
    color: { ...actorColorScale(actors), legend: true },
    marks: [
      Plot.barX(long, Plot.stackX({ x: 'pct', y: 'kind', fy: 'metric', fill: 'actor', order: actors,
        title: (r) => `${r.actor}\n${r.metric}, ${r.kind}: ${fmtPct(r.pct)}` })),
      Plot.text(long, Plot.stackX({ x: 'pct', y: 'kind', fy: 'metric', z: 'actor', order: actors,
        text: (r) => (r.pct >= 7 ? fmtPct(r.pct, 0) : null), fill: 'white', fontWeight: 'bold' })),
    ],
  });
}

// One histogram per account signal; the red rule marks the threshold the estimate used.
export function histogramChart(signal) {
  const bins = arr(signal.bins).filter((b) => isNum(b.lo) && isNum(b.hi) && isNum(b.count));
  if (!bins.length) return emptyNote('No accounts.');
  const marks = [
    Plot.rectY(bins, { x1: 'lo', x2: 'hi', y: 'count', fill: '#6b7fb3', insetLeft: 0.5, insetRight: 0.5,
      title: (b) => `${fmtNum(b.lo)} – ${fmtNum(b.hi)}: ${fmtNum(b.count)} accounts` }),
    Plot.ruleY([0]),
  ];
  if (isNum(signal.threshold)) marks.push(Plot.ruleX([signal.threshold], { stroke: '#d62728', strokeWidth: 2 }));
  return Plot.plot({
    width: 255,
    height: 170,
    marginLeft: 45,
    x: { label: signal.unit ? String(signal.unit) : null, type: signal.log_x ? 'log' : 'linear' },
    y: { label: 'accounts', grid: true, tickFormat: compact },
    marks,
  });
}

const PLATFORM_COLORS = ['#4269d0', '#ff725c', '#3ca951', '#a463f2', '#efb118', '#9c6b4e', '#6cc5b0', '#97bbf5'];

// Daily counts of the data overview (posts, accounts or events), stacked by platform: one
// bar per UTC day.
export function dailyChart(rows, field, platforms, width = 520) {
  const data = rows.map((r) => ({ platform: String(r.platform ?? ''), date: parsePeriod(r.day), value: r[field] }))
    .filter((r) => r.date && isNum(r.value));
  if (!data.length) return emptyNote('Nothing to draw.');
  const domain = platforms.length ? platforms : [...new Set(data.map((r) => r.platform))];
  return Plot.plot({
    width,
    height: 220,
    marginLeft: 50,
    x: { type: 'utc', label: null },
    y: { grid: true, label: null, tickFormat: compact },
    color: { domain, range: domain.map((_, i) => PLATFORM_COLORS[i % PLATFORM_COLORS.length]), legend: domain.length > 1 },
    marks: [
      Plot.rectY(data, { x: 'date', y: 'value', interval: 'day', fill: 'platform', insetLeft: 0.5, insetRight: 0.5,
        title: (r) => `${r.platform} · ${r.date.toISOString().slice(0, 10)}\n${fmtNum(r.value)}` }),
      Plot.ruleY([0]),
    ],
  });
}

// Pairs of accounts by the number of distinct objects they co-acted on (1, 2, ..., the last
// bucket "or more"), on a log scale, with the repetition threshold as a red rule.
export function pairsByObjectsChart(counts, minRepetition) {
  const last = counts.length;
  const data = counts.map((n, i) => ({ k: i + 1, n })).filter((d) => isNum(d.n) && d.n > 0);
  if (!data.length) return emptyNote('No pair co-acted.');
  const max = Math.max(...data.map((d) => d.n));
  const marks = [
    Plot.rectY(data, { x1: (d) => d.k - 0.4, x2: (d) => d.k + 0.4, y1: 0.5, y2: 'n', fill: '#6b7fb3',
      title: (d) => `${fmtNum(d.n)} pairs on ${d.k}${d.k === last ? ' or more' : ''} distinct item${d.k === 1 ? '' : 's'}` }),
  ];
  if (isNum(minRepetition) && minRepetition > 1 && minRepetition <= last) {
    marks.push(Plot.ruleX([minRepetition - 0.5], { stroke: '#d62728', strokeWidth: 2 }));
  }
  return Plot.plot({
    width: 330,
    height: 190,
    marginLeft: 50,
    x: { domain: [0.4, last + 0.6], ticks: counts.map((_, i) => i + 1), tickFormat: (k) => (k === last ? `${k}+` : String(k)), label: 'distinct items' },
    y: { type: 'log', domain: [0.5, max * 1.6], grid: true, label: 'pairs', tickFormat: compact,
      ticks: Array.from({ length: Math.floor(Math.log10(max * 1.6)) + 1 }, (_, i) => 10 ** i) },
    marks,
  });
}
