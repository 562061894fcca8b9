// Detections: every detection stored, re-running detection with other parameters (a new
// detection beside the old ones, its progress shown), and comparing two detections.
import { h, arr, obj, isNum, fmtNum, fmtTime, emptyNote, table } from '../dom.js';
import { get, post, ApiError } from './api.js';
import { state, link, href, accountLink, pagedTable, section, facts } from './ui.js';

const SHOWN_PARAMETERS = ['window_s', 'behaviours', 'min_repetition', 'fdr', 'similarity', 'null_replicates', 'seed', 'compat'];

export function parameterSummary(p) {
  const x = obj(p);
  const behaviours = arr(x.behaviours);
  return [
    `window ${fmtNum(x.window_s)} s`,
    `min. repetition ${fmtNum(x.min_repetition)}`,
    `FDR ${x.fdr}`,
    behaviours.length ? behaviours.join(', ') : 'all behaviours the data supports',
    x.compat && x.compat !== 'none' ? `compat ${x.compat}` : null,
  ].filter((s) => s).join(' · ');
}

async function allDetections() {
  const out = [];
  let cursor = null;
  do {
    const page = await get('/api/detections', { cursor, limit: 200 });
    out.push(...arr(page.detections));
    cursor = page.next;
  } while (cursor != null);
  return out;
}

const NATIVE_BEHAVIOURS = ['share', 'link', 'domain', 'hashtag', 'mention', 'reply', 'text', 'similar_text', 'media', 'post'];

// The form: starts from the parameters of the detection on screen.
function rerunForm(base, onStarted) {
  const p = obj(base && base.parameters);
  const chosen = new Set(arr(p.behaviours));
  const field = (label, input, hint) => h('label', { class: 'field' }, h('span', null, label), input, hint ? h('small', { class: 'muted' }, hint) : null);
  const windowInput = h('input', { type: 'number', name: 'window_s', min: '0', step: 'any', value: isNum(p.window_s) ? p.window_s : 60, required: true });
  const repetition = h('input', { type: 'number', name: 'min_repetition', min: '1', step: '1', value: isNum(p.min_repetition) ? p.min_repetition : 3, required: true });
  const fdr = h('input', { type: 'number', name: 'fdr', min: '0.0001', max: '0.9999', step: 'any', value: isNum(p.fdr) ? p.fdr : 0.05, required: true });
  const replicates = h('input', { type: 'number', name: 'null_replicates', min: '0', step: '1', value: isNum(p.null_replicates) ? p.null_replicates : 99 });
  const boxes = NATIVE_BEHAVIOURS.map((b) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'behaviour', value: b, checked: chosen.has(b) }), ` ${b}`));
  const status = h('div', { class: 'job', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Run detection');
  const form = h('form', { class: 'rerun' },
    h('div', { class: 'fields' },
      field('Window (seconds)', windowInput, 'two actions at most this far apart co-act'),
      field('Minimum repetition', repetition, 'distinct items a pair must share'),
      field('False discovery rate', fdr, 'share of false links allowed'),
      field('Null-model replicates', replicates, '0: no significance test')),
    h('fieldset', { class: 'behaviours' }, h('legend', null, 'Behaviours (none ticked: every behaviour the data supports)'), boxes),
    submit, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.textContent = '';
    const body = {
      window_s: Number(windowInput.value),
      min_repetition: Number(repetition.value),
      fdr: Number(fdr.value),
      null_replicates: Number(replicates.value),
      behaviours: boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
    };
    if (base) body.base = base.id;
    try {
      const job = await post('/api/detections', body);
      onStarted(job, status);
    } catch (err) {
      status.append(h('p', { class: 'error' }, String(err.message || err)));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

const STAGES = { waiting: 'waiting for the support figures being computed to finish (Actors)', opening: 'opening the store', loading: 'loading the data', signals: 'computing the account signals', detecting: 'detecting', storing: 'storing the result', done: 'done' };

// Polls a job until it ends, showing its stage and time; stops once the page has moved on
// (its target is no longer shown), so views left while a run works do not go on polling.
export async function followJob(job, target) {
  const bar = h('progress', { max: String(job.steps || 4), value: String(job.step || 0) });
  const text = h('span', { class: 'job-stage' });
  target.textContent = '';
  target.append(h('p', null, bar, ' ', text));
  let current = job;
  for (;;) {
    bar.value = current.step || 0;
    text.textContent = `Detection run ${current.id}: ${STAGES[current.stage] || current.stage} (step ${current.step} of ${current.steps}, ${fmtNum(current.seconds)} s)`;
    if (current.state !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (!target.isConnected) return current;
    current = await get(`/api/jobs/${current.id}`);
  }
  target.dataset.state = current.state;
  if (current.state === 'done') {
    text.textContent = `Detection run ${current.id} is done in ${fmtNum(current.seconds)} s: detection ${current.detection}.`;
    target.append(h('p', null,
      link('', { d: current.detection }, `Open detection ${current.detection}`), ' · ',
      current.base ? link('compare', { a: current.base, b: current.detection }, `Compare it with detection ${current.base}`) : null));
  } else {
    target.append(h('p', { class: 'error' }, `The run failed: ${current.error || 'unknown error'}`));
  }
  return current;
}

export async function detectionsPage(root) {
  const list = await allDetections();
  root.textContent = '';
  document.title = 'Detections — groundswell';
  root.append(h('header', { class: 'page' }, h('h1', null, 'Detections'),
    h('p', { class: 'muted' }, 'Each detection is one run of coordination detection over the store, with its parameters. Re-running adds a new one; the earlier ones stay.')));
  const current = list.find((d) => String(d.id) === String(state.detection)) || list[0];
  const rows = list.map((d) => ({ ...d }));
  root.append(section('Stored detections', rows.length ? table([
    { label: '#', value: (d) => link('', { d: d.id }, String(d.id)) },
    { label: 'made', value: (d) => fmtTime(d.created_at) },
    { label: 'by', value: (d) => String(d.command ?? '') },
    { label: 'parameters', value: (d) => parameterSummary(d.parameters) },
    { label: 'clusters', num: true, value: (d) => fmtNum(d.clusters) },
    { label: 'coordinated accounts', num: true, value: (d) => fmtNum(d.coordinated_accounts) },
    { label: 'links kept', num: true, value: (d) => fmtNum(d.kept_edges) },
  ], rows, { class: 'data detections' }) : emptyNote('The store holds no detection yet: run groundswell run or detect first, or start one below.')));

  if (rows.length >= 2) {
    const pick = (name, value) => h('select', { name, 'aria-label': name === 'a' ? 'first detection' : 'second detection' },
      rows.map((d) => h('option', { value: d.id, selected: String(d.id) === String(value) }, `#${d.id} — ${parameterSummary(d.parameters)}`)));
    const a = pick('a', rows[1].id);
    const b = pick('b', rows[0].id);
    const go = h('button', { type: 'button' }, 'Compare');
    go.addEventListener('click', () => { window.location.hash = href('compare', { a: a.value, b: b.value }); });
    root.append(section('Compare two detections', h('p', { class: 'controls' }, a, ' with ', b, ' ', go)));
  }

  const status = obj(state.status);
  if (!status.rerun) {
    root.append(section('Run detection again', emptyNote('This server does not re-run detection (started with --read-only, or the store cannot be written).')));
    return;
  }
  root.append(section('Run detection again',
    h('p', { class: 'caption' }, current ? `Starts from the parameters of detection ${current.id}. The result is stored as a new detection beside the others.` : 'The result is stored as a new detection.'),
    rerunForm(current, (job, target) => followJob(job, target))));
  const running = obj(status.job);
  if (running.state === 'running') {
    const target = root.querySelector('.job');
    followJob(running, target);
  }
}

export async function comparePage(root, params) {
  const a = params.get('a');
  const b = params.get('b');
  const r = await get('/api/compare', { a, b });
  root.textContent = '';
  document.title = `Detections ${a} and ${b} — groundswell`;
  const da = obj(r.a);
  const db = obj(r.b);
  root.append(h('header', { class: 'page' }, h('p', { class: 'crumb' }, link('detections', {}, 'Detections'), ' › Compare'),
    h('h1', null, `Detection ${da.id} and detection ${db.id}`)));
  const pa = obj(da.parameters);
  const pb = obj(db.parameters);
  const names = [...new Set([...Object.keys(pa), ...Object.keys(pb)])].filter((k) => k !== 'window');
  const show = (v) => (Array.isArray(v) ? (v.length ? v.join(', ') : 'all') : v == null ? '–' : String(v));
  root.append(section('Parameters', table([
    { label: 'parameter', value: (k) => k },
    { label: `#${da.id}`, value: (k) => show(pa[k]) },
    { label: `#${db.id}`, value: (k) => show(pb[k]) },
  ], names.sort((x, y) => (SHOWN_PARAMETERS.indexOf(x) + 100 * (SHOWN_PARAMETERS.indexOf(x) < 0)) - (SHOWN_PARAMETERS.indexOf(y) + 100 * (SHOWN_PARAMETERS.indexOf(y) < 0))),
  { class: 'data compare', rowClass: (k) => (show(pa[k]) !== show(pb[k]) ? 'changed' : null) })));
  const acc = obj(r.accounts);
  root.append(section('Coordinated accounts', facts([
    [`clustered in #${da.id}`, fmtNum(acc.a)],
    [`clustered in #${db.id}`, fmtNum(acc.b)],
    ['in both', fmtNum(acc.both)],
    [`only in #${da.id}`, fmtNum(acc.only_a)],
    [`only in #${db.id}`, fmtNum(acc.only_b)],
    ['clusters', `${fmtNum(da.clusters)} and ${fmtNum(db.clusters)}`],
    ['links kept', `${fmtNum(da.kept_edges)} and ${fmtNum(db.kept_edges)}`],
  ])));
  root.append(section(`Clusters of #${da.id} and their best match in #${db.id}`, arr(r.clusters).length ? table([
    { label: `cluster in #${da.id}`, value: (c) => link(`cluster/${c.a_cluster}`, { d: da.id }, `cluster ${c.a_cluster}`) },
    { label: 'accounts', num: true, value: (c) => fmtNum(c.a_accounts) },
    { label: `best match in #${db.id}`, value: (c) => (c.b_cluster != null ? link(`cluster/${c.b_cluster}`, { d: db.id }, `cluster ${c.b_cluster}`) : 'none') },
    { label: 'its accounts', num: true, value: (c) => fmtNum(c.b_accounts) },
    { label: 'shared', num: true, value: (c) => fmtNum(c.shared) },
    { label: 'Jaccard', num: true, title: 'shared accounts / accounts in either', value: (c) => (isNum(c.jaccard) ? c.jaccard.toFixed(2) : '–') },
  ], arr(r.clusters), { class: 'data' }) : emptyNote(`Detection ${da.id} has no clusters.`)));
  for (const [side, id] of [['a', da.id], ['b', db.id]]) {
    root.append(section(`Clustered only in #${id}`, pagedTable([
      { label: 'account', value: (x) => accountLink(x.account) },
      { label: 'cluster', value: (x) => link(`cluster/${x.cluster}`, { d: id }, String(x.cluster)) },
    ], async (cursor) => {
      const p = await get('/api/compare/accounts', { a, b, side, offset: cursor, limit: 25 });
      return { items: p.accounts, next: p.next, total: p.total };
    }, { empty: 'None.' })));
  }
}
