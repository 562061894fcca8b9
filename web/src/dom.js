// DOM helpers for the report. Every string that comes from the data is hostile (message
// texts, handles, channel titles, file names): it only ever reaches the page as a Text node
// or an attribute value set through setAttribute, never through innerHTML.

export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value == null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key.startsWith('on') && typeof value === 'function') {
        node.addEventListener(key.slice(2), value);
      } else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Text from the data in its own direction: Persian and Arabic read right to left, Latin
// left to right, decided per element by the browser from the first strong character.
export function dataText(tag, value, cls) {
  return h(tag, { dir: 'auto', class: cls }, value == null ? '' : String(value));
}

export const arr = (value) => (Array.isArray(value) ? value : []);
export const obj = (value) => (value && typeof value === 'object' && !Array.isArray(value) ? value : {});
export const isNum = (value) => typeof value === 'number' && Number.isFinite(value);

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function fmtNum(value) {
  if (!isNum(value)) return '–';
  return Math.abs(value) >= 100 || Number.isInteger(value) ? integerFormat.format(value)
                                                            : decimalFormat.format(value);
}

export function fmtPct(value, digits = 1) {
  return isNum(value) ? `${value.toFixed(digits)}%` : '–';
}

export function fmtP(value) {
  if (!isNum(value)) return '–';
  if (value < 0.001) return value.toExponential(1);
  return value.toFixed(3);
}

// A p-value given with its base-10 logarithm, which stays exact below the smallest double
// (1e-308): 2.3e-412 is written from the logarithm.
export function fmtPLog(value, log10) {
  if (isNum(log10) && log10 < -300) {
    let exponent = Math.floor(log10);
    let mantissa = Number((10 ** (log10 - exponent)).toFixed(1));
    if (mantissa >= 10) { mantissa = 1; exponent += 1; }  // 9.96e-343 is 1.0e-342, not 10.0e-343
    return `${mantissa.toFixed(1)}e${exponent}`;
  }
  return fmtP(value);
}

export function fmtDuration(seconds) {
  if (!isNum(seconds)) return '–';
  if (seconds < 120) return `${decimalFormat.format(seconds)} s`;
  if (seconds < 7200) return `${decimalFormat.format(seconds / 60)} min`;
  if (seconds < 172800) return `${decimalFormat.format(seconds / 3600)} h`;
  return `${decimalFormat.format(seconds / 86400)} d`;
}

// Times arrive as ISO 8601 UTC strings; shown as "2024-03-01 12:00:05 UTC" without touching
// anything that does not look like one.
export function fmtTime(value) {
  if (value == null || value === '') return '–';
  const text = String(value);
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(text);
  return match ? `${match[1]} ${match[2]} UTC` : text;
}

// Links from the data open only when they are plain web addresses; anything else (javascript:,
// data:, relative paths) is shown as text.
export function safeHref(url) {
  if (typeof url !== 'string' || url.length > 4096) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

export function emptyNote(text) {
  return h('p', { class: 'empty' }, text);
}

export function table(allColumns, rows, options = {}) {
  const columns = allColumns.filter((c) => c);
  const head = h('thead', null, h('tr', null, columns.map((c) =>
    h('th', { class: c.num ? 'num' : null, scope: 'col', title: c.title }, c.label))));
  const body = h('tbody');
  for (const row of rows) {
    const tr = h('tr', { class: options.rowClass ? options.rowClass(row) : null });
    for (const c of columns) {
      const value = c.value(row);
      tr.append(value instanceof Node
        ? h('td', { class: c.num ? 'num' : null }, value)
        : h('td', { class: c.num ? 'num' : null, dir: c.dir }, value == null ? '' : String(value)));
    }
    body.append(tr);
  }
  return h('table', { class: options.class || 'data' }, head, body);
}
