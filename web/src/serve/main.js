// The web application of `groundswell serve` (docs/serve.md): one page whose views are
// chosen by the address's hash (#/account/12?d=3) and filled from the JSON API. Every view
// renders on its own; a failure shows its message instead of the view. Data is hostile: it
// reaches the page only as text (dom.js's h() and dataText()).
import './serve.css';
import { h, arr, obj, isNum, fmtNum, fmtTime, fmtDuration, emptyNote, table } from '../dom.js';
import { headlineChart } from '../charts.js';
import { get } from './api.js';
import { state, href, link, accountLink, scoreBadge, pagedTable, section, pValue } from './ui.js';
import { accountPage, evidencePage, extraFields } from './account.js';
import { clusterPage, objectPage } from './cluster.js';
import { detectionsPage, comparePage, parameterSummary } from './detections.js';

const app = document.getElementById('gs-app') || document.body.appendChild(h('main', { id: 'gs-app' }));

function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)).split('/').filter((p) => p).map(decodeURIComponent);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  return { path, params };
}

function searchForm(value, big) {
  const input = h('input', { type: 'search', name: 'q', value: value || '', placeholder: 'Account id, @handle or name (any script)', 'aria-label': 'Search accounts', autocomplete: 'off', dir: 'auto' });
  const form = h('form', { class: big ? 'search big' : 'search', role: 'search' }, input, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim()) window.location.hash = href('search', { q: input.value.trim(), d: state.detection });
  });
  return form;
}

let detectionOptions = [];

function topBar(params) {
  const select = h('select', { 'aria-label': 'Detection', class: 'detection-select' },
    detectionOptions.length ? detectionOptions.map((d) => h('option', { value: d.id, selected: String(d.id) === String(state.detection) },
      `Detection ${d.id} — ${parameterSummary(d.parameters)}`)) : h('option', { value: '' }, 'No detection'));
  select.addEventListener('change', () => {
    const { path } = parseHash();
    const next = new URLSearchParams(params);
    next.set('d', select.value);
    window.location.hash = `#/${path.map(encodeURIComponent).join('/')}?${next.toString()}`;
  });
  return h('header', { class: 'top' },
    h('a', { href: href('', { d: state.detection }), class: 'brand' }, 'groundswell'),
    searchForm(params.get('q') && parseHash().path[0] === 'search' ? params.get('q') : '', false),
    h('nav', null,
      link('', { d: state.detection }, 'Overview'),
      link('detections', { d: state.detection }, 'Detections'),
      link('actors', { d: state.detection }, 'Actors')),
    select);
}

const CLUSTER_KNOWN = ['cluster_id', 'accounts', 'messages', 'behaviours', 'first_time_ms', 'last_time_ms', 'first_time',
  'last_time', 'median_delay_s', 'share_of_activity', 'weight', 'p_value', 'top_objects'];

async function homePage(root) {
  const s = state.status;
  root.textContent = '';
  document.title = 'groundswell';
  const index = obj(s.index);
  root.append(h('header', { class: 'page' }, h('h1', null, 'Explore the store'),
    h('p', { class: 'muted' }, `${s.database} · ${isNum(s.messages) ? `${fmtNum(s.messages)} posts · ` : ''}${fmtNum(s.accounts)} accounts · schema ${s.schema_version} · groundswell ${s.version}`)));
  if (index.stage !== 'ready') {
    root.append(h('p', { class: 'progress' }, index.stage === 'failed'
      ? `The store could not be read into memory: ${index.error}. Search, accounts and objects are unavailable.`
      : `Reading the store into memory (${index.stage}${isNum(index.fraction) && index.fraction > 0 ? `, ${Math.round(100 * index.fraction)}%` : ''}): search and account pages are ready when it is done; clusters work now.`));
  }
  root.append(searchForm('', true));
  const detection = state.detection;
  if (!detection) {
    root.append(section('Clusters', emptyNote('The store holds no detection yet. Run `groundswell run` or `groundswell detect`, or start one under Detections.')));
    return;
  }
  const current = detectionOptions.find((d) => String(d.id) === String(detection));
  root.append(section(`Coordinated clusters of detection ${detection}`,
    current ? h('p', { class: 'caption' }, `${parameterSummary(current.parameters)} · ${fmtNum(current.coordinated_accounts)} coordinated accounts in ${fmtNum(current.clusters)} clusters, ranked by evidence.`) : null,
    pagedTable([
      { label: 'cluster', value: (c) => link(`cluster/${c.cluster_id}`, { d: detection }, `cluster ${c.cluster_id}`) },
      { label: 'accounts', num: true, value: (c) => fmtNum(c.accounts) },
      { label: 'behaviours', value: (c) => String(c.behaviours ?? '').split(';').join(', ') },
      { label: 'active', value: (c) => (c.first_time ? `${fmtTime(c.first_time).slice(0, 10)} – ${fmtTime(c.last_time).slice(0, 10)}` : '–') },
      { label: 'median delay', num: true, value: (c) => fmtDuration(c.median_delay_s) },
      { label: 'p-value', num: true, value: (c) => pValue(c.p_value) },
      { label: '', value: (c) => extraFields(c, CLUSTER_KNOWN) || '' },
    ], async (cursor) => {
      const r = await get('/api/clusters', { detection, cursor, limit: 50 });
      return { items: r.clusters, next: r.next, total: r.total };
    }, { class: 'data clusters', empty: `No coordinated cluster in detection ${detection}.` })));
}

async function searchPage(root, params) {
  const q = params.get('q') || '';
  root.textContent = '';
  document.title = `${q} — groundswell`;
  root.append(h('header', { class: 'page' }, h('p', { class: 'crumb' }, 'Search'), h('h1', { dir: 'auto' }, q)));
  if (!q) return;
  root.append(pagedTable([
    { label: 'account', value: (r) => accountLink(r.account) },
    { label: 'platform', value: (r) => String(obj(r.account).platform ?? '') },
    { label: 'id', value: (r) => h('span', { dir: 'auto' }, String(obj(r.account).account_id ?? '')) },
    { label: 'posts', num: true, value: (r) => fmtNum(obj(r.account).messages) },
    { label: 'score', value: (r) => scoreBadge(obj(r.account).score) || '–' },
    { label: 'matched', value: (r) => String(r.match ?? '') },
  ], async (cursor) => {
    const r = await get('/api/search', { q, offset: cursor, limit: 50 }, (index) => {
      root.querySelector('.paged-note').textContent = `The server is still reading the store (${index.stage}); results appear when it is done.`;
    });
    return { items: r.results, next: r.next, total: r.total };
  }, { class: 'data results', empty: 'No account matches. Search takes ids, handles (with or without @) and words of display names, in any script.' }));
}

async function actorsPage(root) {
  const r = await get('/api/actors');
  root.textContent = '';
  document.title = 'Actors — groundswell';
  root.append(h('header', { class: 'page' }, h('h1', null, 'Actors'),
    h('p', { class: 'muted' }, 'Visible support per actor, and what remains once coordinated and inauthentic activity is taken out.')));
  const rows = arr(r.rows).filter((x) => x && x.actor != null && x.metric != null);
  if (!r.available || !rows.length) {
    root.append(emptyNote(r.available ? 'The store holds support figures for no actor.'
      : 'This store holds no support figures. They are stored by `groundswell run --actors FILE` (and `groundswell estimate --db ...`) from this version on; run one of them to see them here.'));
    return;
  }
  const actors = [...new Set(rows.map((x) => String(x.actor)))];
  for (const actor of actors) {
    const mine = rows.filter((x) => String(x.actor) === actor);
    const all = mine.filter((x) => x.period === 'all');
    const byMetric = Object.fromEntries(all.map((x) => [x.metric, x]));
    const acc = byMetric.accounts;
    const routes = ['accounts_sources', 'accounts_own_words', 'accounts_reposts_only', 'accounts_undetermined'].filter((m) => byMetric[m]);
    root.append(section(actor,
      acc ? h('p', { class: 'lede', dir: 'auto' }, `${fmtNum(acc.raw)} accounts visibly support ${actor}; ${fmtNum(acc.adjusted)} remain once coordinated and inauthentic activity is taken out`,
        isNum(acc.ci_low) ? ` (interval ${fmtNum(acc.ci_low)}–${fmtNum(acc.ci_high)})` : '', '.') : null,
      headlineChart(all.filter((x) => ['accounts', 'messages', 'engagement', 'views'].includes(x.metric)), [actor]),
      routes.length ? h('div', null, h('h3', null, 'Supporting accounts by route'), table([
        { label: 'route', value: (x) => x.metric.replace(/^accounts_/, '').replace(/_/g, ' ') },
        { label: 'visible', num: true, value: (x) => fmtNum(x.raw) },
        { label: 'adjusted', num: true, value: (x) => fmtNum(x.adjusted) },
        { label: 'interval', num: true, value: (x) => (isNum(x.ci_low) ? `${fmtNum(x.ci_low)} – ${fmtNum(x.ci_high)}` : '–') },
      ], routes.map((m) => byMetric[m]))) : null,
      h('h3', null, 'Every figure (whole period)'),
      table([
        { label: 'metric', value: (x) => String(x.metric) },
        { label: 'visible', num: true, value: (x) => fmtNum(x.raw) },
        { label: 'adjusted', num: true, value: (x) => fmtNum(x.adjusted) },
        { label: 'interval', num: true, value: (x) => (isNum(x.ci_low) ? `${fmtNum(x.ci_low)} – ${fmtNum(x.ci_high)}` : '–') },
      ], all)));
  }
}

let generation = 0;

async function route() {
  const mine = ++generation;
  const { path, params } = parseHash();
  document.documentElement.dataset.gsReady = 'false';
  try {
    state.status = await get('/api/status');
    if (!detectionOptions.length || params.get('refresh') || !detectionOptions.some((d) => String(d.id) === String(params.get('d') ?? state.status.detection))) {
      detectionOptions = arr((await get('/api/detections', { limit: 200 })).detections);
    }
  } catch (err) {
    app.textContent = '';
    app.append(h('p', { class: 'error' }, `The server does not answer: ${err.message}`));
    document.documentElement.dataset.gsReady = 'true';
    return;
  }
  state.detection = params.get('d') || state.status.detection || null;
  const view = h('div', { class: 'view', 'data-view': path[0] || 'overview' });
  app.textContent = '';
  app.append(topBar(params), view);
  try {
    const [name, id] = path;
    if (!name) await homePage(view);
    else if (name === 'search') await searchPage(view, params);
    else if (name === 'account' && id) await accountPage(view, id);
    else if (name === 'cluster' && id) await clusterPage(view, id);
    else if (name === 'object' && id) await objectPage(view, id, params);
    else if (name === 'evidence') await evidencePage(view, params);
    else if (name === 'detections') await detectionsPage(view);
    else if (name === 'compare') await comparePage(view, params);
    else if (name === 'actors') await actorsPage(view);
    else view.append(emptyNote('No such page.'), h('p', null, link('', {}, 'Back to the overview')));
  } catch (err) {
    if (mine !== generation) return;
    view.append(h('p', { class: 'error' }, String(err && err.message ? err.message : err)));
    console.warn(err);
  }
  if (mine === generation) {
    window.scrollTo(0, 0);
    document.documentElement.dataset.gsReady = 'true';
  }
}

window.addEventListener('hashchange', route);
route();
