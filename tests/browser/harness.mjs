// What the browser tests share: their command-line flags, named checks that report one line
// each and a closing "browser: N passed, M failed", and Debian's headless Chromium launched the
// same way for every test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

export const results = [];

export async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n     ${String(err && err.message || err).split('\n').join('\n     ')}`);
  }
}

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

// A fresh profile each time (removed by close()), no network services of its own.
export async function launchChromium() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.GS_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Containers often mount a small /dev/shm, which makes Chromium crash under load.
      '--disable-dev-shm-usage'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// Opens a report and records everything that tells whether it stayed offline and quiet.
export async function openReport(context, file, initScript) {
  const page = await context.newPage();
  if (initScript) await page.addInitScript(initScript);
  const log = { requests: [], errors: [] };
  // Chromium announces a request even when CSP then refuses it; those are kept apart.
  log.blocked = [];
  page.on('request', (r) => log.requests.push(r.url()));
  page.on('requestfailed', (r) => {
    if (/^csp$|BLOCKED_BY_CSP/i.test(r.failure()?.errorText || '')) log.blocked.push(r.url());
  });
  // Errors only: Chromium's software WebGL prints performance warnings that are not ours.
  page.on('console', (m) => { if (m.type() === 'error') log.errors.push(`console.error: ${m.text()}`); });
  page.on('pageerror', (e) => log.errors.push(`page error: ${e.message}`));
  const url = pathToFileURL(path.resolve(file)).href;
  const started = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('html[data-gs-ready="true"]', { timeout: 30000 });
  log.loadMs = Date.now() - started;
  log.url = url;
  return { page, log };
}

// Prints the closing line and exits: non-zero on any failure, or when `err` ended the run.
export function finish(err) {
  if (err) console.error(err);
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed + (err ? 1 : 0);
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
