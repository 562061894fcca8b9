// Page times of `groundswell serve` (docs/serve.md), measured in headless Chromium against a
// running server: for each page an investigator opens — overview, search (Persian name,
// English name word, handle prefix, account id), the busiest account, a clustered account, the largest cluster,
// an edge's evidence, the most shared link and text among the clusters' top objects and a
// hashtag of theirs, detections, compare, actors — the time from asking for the view (a hash change in the loaded app) to the view
// whole: every API answer it waits for in and drawn (data-gs-ready and data-gs-pending = 0,
// set by web/src/serve). Also each API request alone (Node's fetch, no browser).
//
//   node bench/serve_pages.mjs --url http://127.0.0.1:PORT/ [--repeat 20] [--actors-wait SECONDS]
//                              [--actors-detection N] [--rerun JSON [--rerun-wait SECONDS]]
//                              [--only REGEX]
//
// The actor page reads the support figures stored with the detection (`run --actors` stores
// them; docs/serve.md). It is timed last: the script asks for the figures after the other pages,
// since for a detection without stored figures the server computes them (an hour or more at
// 10M); with --actors-wait SECONDS (or GS_ACTORS_WAIT, default 0) it waits up to that long for
// them, and leaves the actor page out (saying so) when they are not ready by then.
// --actors-detection N (or GS_ACTORS_DETECTION) times the actor page at detection N instead of
// the detection the other pages use.
//
// Prints one line per page and request: median, 95th percentile (nearest rank: with 20 loads,
// the second slowest) and slowest of the repeats, in ms. The pages'
// targets are picked from the API (largest cluster first, busiest account, ...), so any
// store works. Run bench/serve_pages.sh to start the server on a store and time its index.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

const args = parseArgs(process.argv.slice(2));
const base = args.url;
const repeat = Number(args.repeat || 20);
const actorsWait = Number(args['actors-wait'] ?? process.env.GS_ACTORS_WAIT ?? 0);
const actorsDetection = Number(args['actors-detection'] ?? process.env.GS_ACTORS_DETECTION ?? 0);
// --rerun JSON (or GS_RERUN): after the pages, start a detection run with these parameters
// (POST /api/detections; the server must not be --read-only), time the detections page and
// /api/jobs/N while it runs, wait for it (up to --rerun-wait SECONDS, default 3600) and time
// the comparison of the new detection with the one it started from.
const rerun = args.rerun ?? process.env.GS_RERUN ?? '';
const rerunWait = Number(args['rerun-wait'] ?? process.env.GS_RERUN_WAIT ?? 3600);
// --only REGEX (or GS_ONLY): time only the pages whose label matches.
const only = args.only ?? process.env.GS_ONLY ?? '';
if (!base) {
  console.error('usage: node bench/serve_pages.mjs --url http://127.0.0.1:PORT/ [--repeat 20]');
  process.exit(2);
}

async function api(path) {
  const res = await fetch(new URL(path, base));
  if (!res.ok && res.status !== 202) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

// Nearest-rank percentiles: the value below which `q` of the loads fall.
const percentile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(q * xs.length) - 1)];
const fmt = (xs) => `median ${percentile(xs, 0.5).toFixed(0).padStart(5)} ms   p95 ${percentile(xs, 0.95).toFixed(0).padStart(5)} ms   slowest ${Math.max(...xs).toFixed(0).padStart(5)} ms`;

// The targets, from the store itself.
// The latest detection that found clusters (a re-run with few behaviours may find none).
const status = await api('/api/status');
let detection = status.detection;
if (!detection) throw new Error('the store holds no detection');
let clusters = (await api(`/api/clusters?detection=${detection}&limit=200`)).clusters;
for (const d of (await api('/api/detections?limit=200')).detections) {
  if (clusters.length) break;
  detection = d.id;
  clusters = (await api(`/api/clusters?detection=${detection}&limit=200`)).clusters;
}
if (!clusters.length) throw new Error('no detection in the store found clusters');
const largest = [...clusters].sort((a, b) => b.accounts - a.accounts)[0];
const member = (await api(`/api/clusters/${largest.cluster_id}/members?detection=${detection}&limit=1`)).members[0].account;
const edge = (await api(`/api/clusters/${largest.cluster_id}/edges?detection=${detection}&limit=1`)).edges[0];
// Object pages: the most shared link and text among every cluster's top objects, and a
// hashtag: the clusters' top one, else the first in a member's posts (clusters that act by
// text carry their campaign's hashtags), largest clusters first.
const bySize = [...clusters].sort((a, b) => b.accounts - a.accounts);
const topOf = (behaviour) => bySize.flatMap((c) => (c.top_objects || []).filter((o) => o.behaviour === behaviour))
  .sort((a, b) => b.messages - a.messages)[0];
const topLink = topOf('link');
const topText = topOf('text');
let topTag = topOf('hashtag');
for (const c of bySize) {
  if (topTag) break;
  const first = (await api(`/api/clusters/${c.cluster_id}/members?detection=${detection}&limit=1`)).members[0];
  const posts = (await api(`/api/accounts/${first.account.id}/messages?limit=200`)).messages;
  const tagged = posts.find((m) => Array.isArray(m.hashtags) && m.hashtags.length);
  if (tagged) topTag = { object: String(tagged.hashtags[0]) };
}
// How many posts each object page lists (its own count, not the cluster's).
const objectSize = async (behaviour, o) => (o ? (await api(`/api/objects?behaviour=${behaviour}&key=${encodeURIComponent(o.object)}&limit=1`)).total : 0);
const sizes = { link: await objectSize('link', topLink), hashtag: await objectSize('hashtag', topTag), text: await objectSize('text', topText) };
// The busiest account: the first search results by messages for a common letter.
const busiest = (await api('/api/search?q=a&limit=200')).results.map((r) => r.account)
  .sort((a, b) => b.messages - a.messages)[0];
// A Persian and an English name word: the first word of the first name in Arabic script among
// the accounts found by "م", and in Latin script among those found by "a".
const firstWord = async (q, script) => {
  const found = (await api(`/api/search?q=${encodeURIComponent(q)}&limit=200`)).results.map((r) => r.account)
    .find((a) => script.test(String(a.display_name || '').split(/\s+/)[0]));
  return found ? String(found.display_name).split(/\s+/)[0] : q;
};
const nameWord = await firstWord('م', /^[\u0600-\u06FF]{3,}$/);
const englishWord = await firstWord('a', /^[A-Za-z]{3,}$/);
const handlePrefix = member.handle ? `@${String(member.handle).slice(0, 4)}` : '@a';
const detections = (await api('/api/detections?limit=200')).detections;
const other = detections.length > 1 ? detections[1].id : detection;

const pages = [
  ['overview (clusters, first page)', '#/'],
  [`search: Persian name word "${nameWord}"`, `#/search?q=${encodeURIComponent(nameWord)}`],
  [`search: English name word "${englishWord}"`, `#/search?q=${encodeURIComponent(englishWord)}`],
  [`search: handle prefix "${handlePrefix}"`, `#/search?q=${encodeURIComponent(handlePrefix)}`],
  [`search: account id ${member.account_id}`, `#/search?q=${encodeURIComponent(member.account_id)}`],
  [`account: busiest (${busiest.messages} posts)`, `#/account/${busiest.id}`],
  [`account: member of cluster ${largest.cluster_id}`, `#/account/${member.id}`],
  [`cluster ${largest.cluster_id} (${largest.accounts} accounts)`, `#/cluster/${largest.cluster_id}`],
  [`evidence (${edge.behaviour}, ${edge.pairs} pairs)`, `#/evidence?d=${detection}&s=${edge.source.id}&t=${edge.target.id}&b=${edge.behaviour}`],
  topLink ? [`object: link (${sizes.link} posts)`, `#/object/link?key=${encodeURIComponent(topLink.object)}`] : null,
  topTag ? [`object: hashtag (${sizes.hashtag} posts)`, `#/object/hashtag?key=${encodeURIComponent(topTag.object)}`] : null,
  topText ? [`object: text (${sizes.text} posts)`, `#/object/text?key=${encodeURIComponent(topText.object)}`] : null,
  ['detections', '#/detections'],
  [`compare ${other} and ${detection}`, `#/compare?a=${other}&b=${detection}`],
].filter(Boolean).filter(([label]) => !only || new RegExp(only).test(label))
  // Pages at the detection picked above when it is not the latest.
  .map(([label, hash]) => [label, detection === status.detection || /[?&]d=/.test(hash) ? hash : `${hash}${hash.includes('?') ? '&' : '?'}d=${detection}`]);
const actorsAt = actorsDetection || detection;
const timeActors = !only || new RegExp(only).test('actors');

const browser = await chromium.launch({
  executablePath: process.env.GS_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const apiTimes = new Map();
page.on('requestfinished', (req) => {
  const url = new URL(req.url());
  if (!url.pathname.startsWith('/api/')) return;
  const t = req.timing();
  const key = url.pathname.replace(/\/\d+/g, '/N');
  if (!apiTimes.has(key)) apiTimes.set(key, []);
  apiTimes.get(key).push(t.responseEnd - t.requestStart);
});
await page.goto(base, { waitUntil: 'load' });
await page.waitForFunction(() => document.documentElement.dataset.gsReady === 'true' && document.documentElement.dataset.gsRoute === window.location.hash && document.documentElement.dataset.gsPending === '0');

console.log(`\npage times in headless Chromium (${repeat} loads each; from asking for the view to the view whole)`);
for (const [label, hash] of pages) await timePage(label, hash);

// The actor page last: asking for figures that are not stored starts their computation, which
// would compete with the pages above. Say where they came from and how long they took.
if (timeActors) {
  const started = Date.now();
  const t0 = performance.now();
  let r = await api(`/api/actors?detection=${actorsAt}`);
  const firstMs = performance.now() - t0;
  const first = `${r.state} at the first request (${firstMs.toFixed(0)} ms)`;
  while ((r.state === 'computing' || r.state === 'waiting') && Date.now() - started < actorsWait * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    r = await api(`/api/actors?detection=${actorsAt}`);
  }
  const whence = r.state !== 'done' ? '' : r.stored ? ` (read from the store: computed by ${r.run != null ? `run ${r.run}` : 'a server'} at ${r.computed_at})` : ' (computed by this server)';
  console.log(`actor figures at detection ${actorsAt}: ${first}, ${r.state} after ${((Date.now() - started) / 1000).toFixed(1)} s${whence}`
    + (r.state === 'done' ? '' : '; the actor page is left out (GS_ACTORS_WAIT=SECONDS waits for them)'));
  if (r.state === 'done') await timePage(`actors at detection ${actorsAt}`, `#/actors${actorsAt === status.detection ? '' : `?d=${actorsAt}`}`);
}

// One view loaded `repeat` times, from asking for it to the view whole; the re-run progress
// below uses it for the detections page while a detection run works.
async function timePage(label, hash) {
  const times = [];
  for (let i = 0; i < repeat; i++) {
    await page.evaluate(() => { window.location.hash = '#/nothing'; });
    await page.waitForFunction(() => document.documentElement.dataset.gsReady === 'true' && document.documentElement.dataset.gsRoute === window.location.hash && document.documentElement.dataset.gsPending === '0');
    const started = await page.evaluate(() => performance.now());
    await page.evaluate((h) => { window.location.hash = h; }, hash);
    await page.waitForFunction(() => document.documentElement.dataset.gsReady === 'true' && document.documentElement.dataset.gsRoute === window.location.hash
      && document.documentElement.dataset.gsPending === '0', null, { timeout: 120000, polling: 'raf' });
    times.push(await page.evaluate(() => performance.now()) - started);
  }
  const errors = await page.$$eval('.error', (els) => els.map((e) => e.textContent));
  console.log(`${label.padEnd(52)} ${fmt(times)}${errors.length ? `   ERROR: ${errors.join('; ')}` : ''}`);
}
if (rerun) {
  const res = await fetch(new URL('/api/detections', base), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: rerun });
  const job = await res.json();
  if (!res.ok && res.status !== 202) throw new Error(`re-run refused: ${res.status} ${JSON.stringify(job)}`);
  console.log(`\nre-run ${rerun}: job ${job.id} started`);
  await timePage('detections, with the re-run in progress', '#/detections');
  const polls = [];
  let current = job;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    current = await api(`/api/jobs/${job.id}`);
    polls.push(performance.now() - t0);
  }
  console.log(`${`/api/jobs/N while it runs (${current.stage})`.padEnd(52)} ${fmt(polls)}`);
  const started = Date.now();
  while (current.state === 'running' && Date.now() - started < rerunWait * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 5000));
    current = await api(`/api/jobs/${job.id}`);
  }
  console.log(`re-run ${current.state} after ${current.seconds.toFixed(1)} s: detection ${current.detection}`);
  if (current.state === 'done') {
    await timePage(`compare ${current.base} and ${current.detection} (the re-run)`, `#/compare?a=${current.base}&b=${current.detection}`);
    await timePage(`overview at the re-run's detection ${current.detection}`, `#/?d=${current.detection}`);
  }
}
await browser.close();

console.log('\nAPI requests as the pages made them (server time to last byte, over all loads)');
for (const [key, times] of [...apiTimes.entries()].sort()) {
  console.log(`${key.padEnd(52)} ${fmt(times)}   (${times.length} requests)`);
}
