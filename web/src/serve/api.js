// The JSON API of `groundswell serve` (docs/serve.md), same origin only. Every answer is
// parsed as JSON; errors become exceptions carrying the server's message and status. While
// the server is still reading the store, answers 503 with the index progress: get() waits and
// asks again, telling `onWait` how far it is. The number of answers still awaited is kept in
// <html data-gs-pending>, so tests (and anyone scripting the page) know when a view is whole.

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

let pending = 0;
function setPending(delta) {
  pending += delta;
  document.documentElement.dataset.gsPending = String(pending);
}
// Runs `work` (a promise-returning function) counted as pending until it settles.
async function tracked(work) {
  setPending(1);
  try {
    return await work();
  } finally {
    setPending(-1);
  }
}

const request = (method, path, body) => tracked(() => send(method, path, body));

async function send(method, path, body) {
  const options = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const res = await fetch(path, options);
  let data = null;
  try {
    data = await res.json();
  } catch {
    throw new ApiError(res.status, `The server answered ${res.status} without JSON.`, null);
  }
  if (!res.ok) {
    const message = data && typeof data.error === 'string' ? data.error : `The server answered ${res.status}.`;
    throw new ApiError(res.status, message, data);
  }
  return data;
}

// A query string from an object, leaving out null, undefined and ''.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v != null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const get = (path, params, onWait) => tracked(() => getWaiting(path, params, onWait));

async function getWaiting(path, params, onWait) {
  for (;;) {
    try {
      return await request('GET', path + query(params));
    } catch (err) {
      if (err instanceof ApiError && err.status === 503 && err.body && err.body.index) {
        if (onWait) onWait(err.body.index);
        await sleep(1000);
        continue;
      }
      throw err;
    }
  }
}

export function post(path, body) {
  return request('POST', path, body);
}
