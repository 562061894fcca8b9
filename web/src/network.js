// The coordination network: graphology holds the graph, ForceAtlas2 lays it out for a fixed
// number of iterations from seeded starting positions (so the same data gives the same
// picture), sigma.js draws it with WebGL with zoom, pan and hover. Labels are drawn on a
// canvas, never parsed as markup. Without WebGL a static canvas picture is drawn instead.
import './webgl-shim.js';
import Graph from 'graphology';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import Sigma from 'sigma';
import { h, arr, isNum, fmtNum, fmtP } from './dom.js';

export const CLUSTER_COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4',
  '#f032e6', '#9a6324', '#469990', '#800000', '#808000', '#000075', '#bfef45', '#dcbeff'];
export const NO_CLUSTER_COLOR = '#b8bcc4';

export function clusterColor(clusterIndex) {
  return clusterIndex == null ? NO_CLUSTER_COLOR : CLUSTER_COLORS[clusterIndex % CLUSTER_COLORS.length];
}

// FNV-1a: a stable hash of a node id to seed its starting position.
function hashString(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clusterKey = (c) => (c == null || c === '' ? null : String(c));

// Builds the display graph: one undirected edge per account pair (behaviours merged, weights
// summed), self-loops dropped, nodes sorted by id so the layout does not depend on input order.
export function buildGraph(network, clusterOrder) {
  const graph = new Graph({ type: 'undirected', multi: false, allowSelfLoops: false });
  const nodes = arr(network.nodes).filter((n) => n && n.id != null)
    .map((n) => ({ ...n, id: String(n.id) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const clusterIndex = new Map(clusterOrder.map((c, i) => [c, i]));
  for (const n of nodes) {
    if (graph.hasNode(n.id)) continue;
    const key = clusterKey(n.cluster);
    if (key != null && !clusterIndex.has(key)) clusterIndex.set(key, clusterIndex.size);
    const idx = key == null ? null : clusterIndex.get(key);
    const label = n.handle != null && n.handle !== '' ? String(n.handle)
      : n.label != null && n.label !== '' ? String(n.label) : n.id;
    graph.addNode(n.id, {
      label,
      fullLabel: n.label == null ? '' : String(n.label),
      platform: n.platform == null ? '' : String(n.platform),
      cluster: key,
      score: isNum(n.score) ? n.score : null,
      messages: isNum(n.messages) ? n.messages : null,
      color: clusterColor(idx),
      baseColor: clusterColor(idx),
      px: isNum(n.x) ? n.x : null,
      py: isNum(n.y) ? n.y : null,
    });
  }
  for (const e of arr(network.edges)) {
    if (!e) continue;
    const s = String(e.source);
    const t = String(e.target);
    if (s === t || !graph.hasNode(s) || !graph.hasNode(t)) continue;
    const weight = isNum(e.weight) && e.weight > 0 ? e.weight : 1;
    const behaviour = e.behaviour == null ? '' : String(e.behaviour);
    if (graph.hasEdge(s, t)) {
      graph.updateEdgeAttributes(s, t, (a) => {
        if (behaviour && !a.behaviours.includes(behaviour)) a.behaviours.push(behaviour);
        if (isNum(e.p_value)) a.p_value = a.p_value == null ? e.p_value : Math.min(a.p_value, e.p_value);
        return { ...a, weight: a.weight + weight };
      });
    } else {
      graph.addEdge(s, t, { weight, behaviours: behaviour ? [behaviour] : [], p_value: isNum(e.p_value) ? e.p_value : null });
    }
  }
  return { graph, clusterIndex };
}

// Places every node at its seeded start and returns the layout still to run: a fixed number
// of ForceAtlas2 iterations, done in fixed-size steps so the result does not depend on how
// fast the machine is. Returns null when the data brought its own positions.
export function planLayout(graph) {
  const order = graph.order;
  if (!order) return null;
  const clusters = [...new Set(graph.mapNodes((_, a) => a.cluster))];
  const angleOf = new Map(clusters.map((c, i) => [c, (2 * Math.PI * i) / Math.max(1, clusters.length)]));
  let allPlaced = true;
  graph.forEachNode((node, a) => {
    if (a.px != null && a.py != null) {
      graph.mergeNodeAttributes(node, { x: a.px, y: a.py });
      return;
    }
    allPlaced = false;
    // Members of a cluster start near each other so the layout converges in few iterations.
    const rand = mulberry32(hashString(node));
    const angle = angleOf.get(a.cluster);
    const spread = a.cluster == null ? 100 : 30;
    const cx = a.cluster == null ? 0 : 60 * Math.cos(angle);
    const cy = a.cluster == null ? 0 : 60 * Math.sin(angle);
    graph.mergeNodeAttributes(node, { x: cx + spread * (rand() - 0.5), y: cy + spread * (rand() - 0.5) });
  });
  if (allPlaced) return null;
  // A fixed budget keeps large networks quick to open; the cluster-seeded start does most of
  // the work there.
  const iterations = order <= 300 ? 300 : order <= 1000 ? 120 : order <= 2500 ? 40 : 25;
  const settings = forceAtlas2.inferSettings(graph);
  settings.barnesHutOptimize = order > 400;
  const step = 10;
  let remaining = iterations;
  return {
    iterations,
    // Runs the next step; returns false once the layout is complete.
    advance() {
      if (remaining <= 0) return false;
      const n = Math.min(step, remaining);
      forceAtlas2.assign(graph, { iterations: n, settings, getEdgeWeight: 'weight' });
      remaining -= n;
      return remaining > 0;
    },
  };
}

export function layoutGraph(graph) {
  const plan = planLayout(graph);
  while (plan && plan.advance());
}

function sizeNodes(graph) {
  let maxDegree = 1;
  graph.forEachNode((n) => { maxDegree = Math.max(maxDegree, graph.degree(n)); });
  // Smaller discs on big networks so dense clusters stay readable.
  const [base, range] = graph.order > 1000 ? [1.5, 5] : graph.order > 400 ? [2, 7] : [2.5, 9];
  graph.forEachNode((n) => {
    graph.setNodeAttribute(n, 'size', base + range * Math.sqrt(graph.degree(n) / maxDegree));
  });
  graph.forEachEdge((edge, a) => {
    graph.setEdgeAttribute(edge, 'size', Math.min(4, 0.4 + Math.log1p(a.weight) * 0.5));
    graph.setEdgeAttribute(edge, 'color', '#c9ccd3');
  });
}

function drawStatic(canvas, graph) {
  const width = canvas.clientWidth || 800;
  const height = canvas.clientHeight || 560;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  let minX = Infinity; let maxX = -Infinity; let minY = Infinity; let maxY = -Infinity;
  graph.forEachNode((_, a) => {
    minX = Math.min(minX, a.x); maxX = Math.max(maxX, a.x);
    minY = Math.min(minY, a.y); maxY = Math.max(maxY, a.y);
  });
  const scale = Math.min((width - 40) / (maxX - minX || 1), (height - 40) / (maxY - minY || 1));
  const px = (x) => 20 + (x - minX) * scale;
  const py = (y) => height - 20 - (y - minY) * scale;
  ctx.strokeStyle = 'rgba(150,155,165,0.4)';
  ctx.lineWidth = 0.6;
  graph.forEachEdge((_, __, s, t, sa, ta) => {
    ctx.beginPath();
    ctx.moveTo(px(sa.x), py(sa.y));
    ctx.lineTo(px(ta.x), py(ta.y));
    ctx.stroke();
  });
  graph.forEachNode((_, a) => {
    ctx.fillStyle = a.color;
    ctx.beginPath();
    ctx.arc(px(a.x), py(a.y), Math.max(1.5, a.size * 0.6), 0, 2 * Math.PI);
    ctx.fill();
  });
}

// Renders the network section body; returns a controller the cluster table uses to highlight
// one cluster.
export function renderNetwork(container, network, clusterOrder) {
  const { graph, clusterIndex } = buildGraph(network, clusterOrder);
  const info = h('div', { class: 'net-info', 'aria-live': 'polite' }, 'Hover over an account to see its details.');
  const stage = h('div', { class: 'net-stage', id: 'gs-network-stage' });
  const controls = h('div', { class: 'net-controls' });
  container.append(controls, h('div', { class: 'net-wrap' }, stage, info));

  const state = { hovered: null, cluster: null };
  let renderer = null;
  stage.append(h('p', { class: 'net-wait' }, `Laying out ${graph.order} accounts…`));

  const clusterSelect = h('select', { 'aria-label': 'Show one cluster' });
  clusterSelect.append(h('option', { value: '' }, 'All clusters'));
  for (const [key] of clusterIndex) clusterSelect.append(h('option', { value: key }, `Cluster ${key}`));
  const highlight = (key) => {
    state.cluster = key == null || key === '' ? null : String(key);
    clusterSelect.value = state.cluster ?? '';
    if (renderer) renderer.refresh({ skipIndexation: true });
  };
  clusterSelect.addEventListener('change', () => highlight(clusterSelect.value));
  controls.append(clusterSelect);

  const legend = h('div', { class: 'legend' });
  let shown = 0;
  for (const [key, idx] of clusterIndex) {
    if (shown++ >= CLUSTER_COLORS.length) break;
    legend.append(h('span', { class: 'swatch', style: `background:${clusterColor(idx)}` }),
      h('span', { class: 'legend-label' }, `cluster ${key}`));
  }
  legend.append(h('span', { class: 'swatch', style: `background:${NO_CLUSTER_COLOR}` }),
    h('span', { class: 'legend-label' }, 'not in a cluster'));
  container.append(legend);

  // The layout and WebGL set-up run after the rest of the page is drawn (see main.js), so
  // the tables and charts do not wait for the network.
  // Lays out and draws the network, then calls `done`. The layout runs to completion before
  // the first WebGL frame: redrawing between steps costs more than it shows on software GL.
  const start = (done) => {
    stage.textContent = '';
    layoutGraph(graph);
    sizeNodes(graph);
    performance.mark('gs-network-laid-out');

    try {
      renderer = new Sigma(graph, stage, {
        renderEdgeLabels: false,
        labelRenderedSizeThreshold: 9,
        labelFont: 'system-ui, sans-serif',
        labelSize: 12,
        zIndex: true,
        hideEdgesOnMove: graph.size > 20000,
        nodeReducer: (node, data) => {
          const res = { ...data };
          if (state.cluster != null && data.cluster !== state.cluster) {
            res.color = '#e4e6ea';
            res.label = '';
            res.zIndex = 0;
          } else if (state.cluster != null) res.zIndex = 1;
          if (state.hovered != null && node !== state.hovered && !graph.areNeighbors(node, state.hovered)) {
            res.color = '#e4e6ea';
            res.label = '';
          }
          if (node === state.hovered) res.highlighted = true;
          return res;
        },
        edgeReducer: (edge, data) => {
          const res = { ...data };
          if (state.hovered != null && !graph.hasExtremity(edge, state.hovered)) res.hidden = true;
          if (state.cluster != null) {
            const [s, t] = graph.extremities(edge);
            if (graph.getNodeAttribute(s, 'cluster') !== state.cluster ||
                graph.getNodeAttribute(t, 'cluster') !== state.cluster) res.hidden = true;
          }
          return res;
        },
      });
      stage.dataset.renderer = 'sigma';
    } catch (err) {
      // No WebGL (locked-down browser): a static picture keeps the report useful.
      stage.textContent = '';
      const canvas = h('canvas', { class: 'net-static' });
      stage.append(canvas);
      drawStatic(canvas, graph);
      stage.dataset.renderer = 'static';
      info.textContent = 'This browser offers no WebGL; the network is shown as a static picture.';
    }
    stage.dataset.nodes = String(graph.order);
    stage.dataset.edges = String(graph.size);

    const describe = (node) => {
      const a = graph.getNodeAttributes(node);
      info.textContent = '';
      info.append(
        h('div', { class: 'net-handle', dir: 'auto' }, a.label),
        a.fullLabel && a.fullLabel !== a.label ? h('div', { dir: 'auto' }, a.fullLabel) : null,
        h('div', null, `id: ${node}`),
        h('div', null, `platform: ${a.platform || '–'}`),
        h('div', null, `cluster: ${a.cluster == null ? 'none' : a.cluster}`),
        h('div', null, `inauthenticity score: ${a.score == null ? '–' : a.score.toFixed(2)}`),
        a.messages != null ? h('div', null, `messages: ${fmtNum(a.messages)}`) : null,
        h('div', null, `links: ${graph.degree(node)}`),
      );
      const edges = graph.edges(node).map((e) => ({ e, a: graph.getEdgeAttributes(e) }))
        .sort((x, y) => y.a.weight - x.a.weight).slice(0, 5);
      if (edges.length) {
        const list = h('ul', { class: 'net-edges' });
        for (const { e, a: ea } of edges) {
          const other = graph.opposite(node, e);
          list.append(h('li', null, h('span', { dir: 'auto' }, graph.getNodeAttribute(other, 'label')),
            ` · ${ea.behaviours.join(', ') || 'co-action'} · weight ${fmtNum(ea.weight)}` +
            (ea.p_value != null ? ` · p ${fmtP(ea.p_value)}` : '')));
        }
        info.append(h('div', { class: 'net-sub' }, 'strongest links'), list);
      }
    };

    if (renderer) {
      renderer.on('enterNode', ({ node }) => {
        state.hovered = node;
        describe(node);
        renderer.refresh({ skipIndexation: true });
      });
      renderer.on('leaveNode', () => {
        state.hovered = null;
        renderer.refresh({ skipIndexation: true });
      });
      const camera = renderer.getCamera();
      controls.prepend(
        h('button', { type: 'button', onclick: () => camera.animatedZoom({ duration: 200 }) }, 'Zoom in'),
        h('button', { type: 'button', onclick: () => camera.animatedUnzoom({ duration: 200 }) }, 'Zoom out'),
        h('button', { type: 'button', onclick: () => camera.animatedReset({ duration: 200 }) }, 'Reset view'),
      );
    }

    done();
  };

  return { highlight, graph, start };
}
