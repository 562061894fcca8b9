// The web application of `groundswell serve` (docs/serve.md): one page whose views are
// chosen by the address's hash (#/account/12?d=3) and filled from the JSON API. Every view
// renders on its own; a failure shows its message instead of the view. Data is hostile: it
// reaches the page only as text (dom.js's h() and dataText()).
import './serve.css';
import { h, arr, obj, isNum, fmtNum, fmtTime, fmtDuration, emptyNote, table, dataText } from '../dom.js';
import { headlineChart } from '../charts.js';
import { renderDrivers } from '../drivers.js';
import { get } from './api.js';
import { state, href, link, accountLink, scoreBadge, pagedTable, section, pValue, verdictBadge, CLUSTER_KNOWN } from './ui.js';
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
      { label: 'verdict', title: 'whether the coordination was manufactured (hover for the reasons)', value: (c) => verdictBadge(c) },
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
    return { items: r.results, next: r.next, total: r.total, atLeast: r.at_least };
  }, { class: 'data results', empty: 'No account matches. Search takes ids, handles (with or without @) and words of display names, in any script.' }));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const interval = (x) => (isNum(obj(x).ci_low) ? `${fmtNum(x.ci_low)} – ${fmtNum(x.ci_high)}` : '–');

// Support per actor at the selected detection. The figures are read from the store, where
// `run --actors` put them; for a detection without them the server computes them once
// (signals, the detection reproduced at its neighbouring settings, estimates) and stores them:
// the page then says so, showing for how long, with links to the detections whose figures are
// stored, and draws them once they are there.
async function actorsPage(root, isCurrent) {
  const detection = state.detection;
  root.textContent = '';
  document.title = 'Actors — groundswell';
  root.append(h('header', { class: 'page' }, h('h1', null, 'Actors'),
    h('p', { class: 'muted' }, 'Visible support per actor, and what remains once coordinated and inauthentic activity is taken out.')));
  const body = h('div', { class: 'actors' });
  root.append(body);
  let r = await get('/api/actors', { detection });
  while (r.state === 'computing' || r.state === 'waiting') {
    body.textContent = '';
    body.append(h('p', { class: 'progress' }, r.state === 'computing'
      ? `Computing the support figures at detection ${detection}: the store holds none for it and this actors file, so the server works them out once — account signals, the detection reproduced with its neighbouring settings, the estimates (${fmtNum(r.seconds)} s so far; at 10 million messages this takes an hour or more). They are stored when done, and read from the store from then on.`
      : `Waiting to compute the support figures at detection ${detection}: ${r.computing ? `detection ${r.computing}'s come first` : 'a detection run is in progress'} (${fmtNum(r.seconds)} s).`));
    const ready = arr(r.stored_detections).filter((d) => isNum(d) && String(d) !== String(detection));
    if (ready.length) {
      body.append(h('p', { class: 'stored-elsewhere' }, 'Meanwhile, the figures are stored for ',
        ready.map((d, i) => [i ? ', ' : '', link('actors', { d }, `detection ${d}`)]), '.'));
    }
    await sleep(1000);
    if (!isCurrent()) return;
    r = await get('/api/actors', { detection });
  }
  body.textContent = '';
  if (r.state === 'no_detection') {
    body.append(emptyNote('The store holds no detection yet: support figures discount what detection finds. Run `groundswell run` or start a detection under Detections.'));
    return;
  }
  if (!r.available) {
    body.append(emptyNote('The store holds no support figures for this detection, and computing them needs an actors file. Start the server with `--actors FILE` (by default it takes the one the latest `groundswell run --actors` used, and that one is not there).'));
    return;
  }
  if (r.state === 'failed') {
    body.append(h('p', { class: 'error' }, `The support figures could not be computed: ${r.error}`));
    return;
  }
  const actors = arr(r.actors).filter((a) => a && a.name != null);
  const rows = arr(r.rows).filter((x) => x && x.actor != null && x.metric != null);
  const current = detectionOptions.find((d) => String(d.id) === String(detection));
  const neighbours = arr(r.scenarios).filter((x) => x !== 'default').map(String);
  body.append(h('p', { class: 'caption' },
    `At detection ${detection}${current ? ` (${parameterSummary(current.parameters)})` : ''}, actors from `, dataText('span', r.actors_file),
    `; intervals over ${fmtNum(r.replicates)} ${r.sample ? 'bootstrap replicates' : 'classifications'}, `,
    neighbours.length ? `with detection also at ${neighbours.join(', ')}` : 'with detection at its own settings only (no neighbouring settings: `run --no-sensitivity`, or a compat mode)',
    `; accounts scoring above ${r.score_threshold} are discounted as individuals.`),
  h('p', { class: 'caption provenance' }, r.run != null
    ? `Computed by run ${r.run} (${fmtTime(r.computed_at)}) and read from the store.`
    : `Computed by groundswell serve (${fmtTime(r.computed_at)})${r.stored ? ' and read from the store' : '; kept in memory only: the store is served read-only'}.`));
  if (!actors.length) {
    body.append(emptyNote('The actors file names no actor.'));
    return;
  }
  const names = actors.map((a) => String(a.name));
  const all = rows.filter((x) => x.period === 'all');
  body.append(section('Headline', headlineChart(all.filter((x) => ['accounts', 'messages', 'engagement', 'views'].includes(x.metric)), names)));
  const ROUTES = [['sources', 'its own sources (accounts and channels)'], ['own_words', 'support in their own words'], ['reposts_only', 're-posts only']];
  for (const actor of actors) {
    const raw = obj(actor.raw);
    const adjusted = obj(actor.adjusted);
    const mine = rows.filter((x) => String(x.actor) === String(actor.name));
    const periods = mine.filter((x) => x.metric === 'accounts' && x.period !== 'all');
    const undetermined = obj(adjusted.undetermined);
    body.append(h('section', { class: 'actor' }, dataText('h2', actor.name),
      h('p', { class: 'lede' }, `${fmtNum(raw.accounts)} accounts visibly support it; ${fmtNum(obj(adjusted.accounts).value)} remain once coordinated and inauthentic activity is taken out (interval ${interval(adjusted.accounts)}).`),
      isNum(undetermined.members) && undetermined.members > 0
        ? h('p', null, `${fmtNum(undetermined.members)} supporters sit in clusters whose verdict is undetermined; they count as ${fmtNum(undetermined.voices)} voices.`) : null,
      h('h3', null, 'Supporters by route'),
      table([
        { label: 'route', value: ([, label]) => label },
        { label: 'visible', num: true, value: ([key]) => fmtNum(obj(raw.accounts_by_route)[key]) },
        { label: 'adjusted', num: true, value: ([key]) => fmtNum(obj(obj(adjusted.accounts_by_route)[key]).value) },
        { label: 'interval', num: true, value: ([key]) => interval(obj(adjusted.accounts_by_route)[key]) },
      ], ROUTES, { class: 'data routes' }),
      periods.length ? [h('h3', null, 'Supporting accounts per period'), table([
        { label: 'period', value: (x) => String(x.period) },
        { label: 'visible', num: true, value: (x) => fmtNum(x.raw) },
        { label: 'adjusted', num: true, value: (x) => fmtNum(x.adjusted) },
        { label: 'interval', num: true, value: (x) => interval(x) },
      ], periods, { class: 'data periods' })] : null,
      h('h3', null, 'Every figure (whole period)'),
      table([
        { label: 'metric', value: (x) => String(x.metric).replace(/_/g, ' ') },
        { label: 'visible', num: true, value: (x) => fmtNum(x.raw) },
        { label: 'adjusted', num: true, value: (x) => fmtNum(x.adjusted) },
        { label: 'interval', num: true, value: (x) => interval(x) },
      ], mine.filter((x) => x.period === 'all'), { class: 'data figures' }),
      renderDrivers({ drivers: arr(r.drivers).filter((d) => d && String(d.actor) === String(actor.name)) }, names, (c) => accountLink(c)),
      settingsTable(arr(r.sensitivity).filter((x) => x && String(x.actor) === String(actor.name)), r.score_threshold)));
  }
  if (arr(r.assumptions).length) {
    body.append(section('What these figures assume', h('ul', null, arr(r.assumptions).map((a) => h('li', null, String(a))))));
  }
}

// An actor's adjusted figures under other settings, as the report's sensitivity table: the
// score threshold moved, then each other scenario of sensitivity.csv at the chosen threshold.
function settingsTable(rows, threshold) {
  const near = (a, b) => isNum(a) && isNum(b) && Math.abs(a - b) < 1e-9;
  const shown = [
    ...rows.filter((x) => x.scenario === 'default'),
    ...rows.filter((x) => x.scenario !== 'default' && near(x.score_threshold, threshold)),
  ];
  if (shown.length < 2) return null;
  return [h('h3', null, 'Under other settings'),
    h('p', { class: 'caption' }, 'The adjusted figures (whole period) with one setting moved and the others at their chosen values (bold): the score threshold, detection at a neighbouring setting, the other definition of a supporter, or undetermined clusters removed or kept as members (sensitivity.csv).'),
    table([
      { label: 'setting', value: (x) => (x.scenario === 'default' ? `score threshold ${fmtNum(x.score_threshold)}` : String(x.scenario)) },
      { label: 'accounts', num: true, value: (x) => fmtNum(x.accounts) },
      { label: 'messages', num: true, value: (x) => fmtNum(x.messages) },
      { label: 'engagement', num: true, value: (x) => fmtNum(x.engagement) },
    ], shown, { class: 'data settings', rowClass: (x) => (x.scenario === 'default' && near(x.score_threshold, threshold) ? 'baseline' : null) })];
}

let generation = 0;

// <html data-gs-ready> is "true" once a view is drawn, and data-gs-route names the address it
// was drawn for: a script that changed the address waits until the two agree (the hashchange
// that starts the new view comes a moment after the change).
function drawn(hash) {
  document.documentElement.dataset.gsRoute = hash;
  document.documentElement.dataset.gsReady = 'true';
}

async function route() {
  const mine = ++generation;
  const hash = window.location.hash;
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
    if (mine === generation) drawn(hash);
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
    else if (name === 'actors') await actorsPage(view, () => mine === generation);
    else view.append(emptyNote('No such page.'), h('p', null, link('', {}, 'Back to the overview')));
  } catch (err) {
    if (mine !== generation) return;
    view.append(h('p', { class: 'error' }, String(err && err.message ? err.message : err)));
    console.warn(err);
  }
  if (mine === generation) {
    window.scrollTo(0, 0);
    drawn(hash);
  }
}

window.addEventListener('hashchange', route);
route();
