// SVG drawings: a pipeline as a graph, node times as bars, a series as columns.
import { s } from "./dom.js";

const NODE_W = 130, NODE_H = 40, GAP_X = 50, GAP_Y = 18;
let drawn = 0; // each graph's arrow head has an id of its own within the page

// Columns by longest path from the source, rows in execution order: the drawing reads left
// to right as frames flow. One <g class="node" data-node=ID> per pipeline node; the source,
// which is not a node of the definition, is a <g class="source">.
export function pipelineGraph(def, order) {
  const nodes = def.nodes || [];
  const rank = new Map(), pos = new Map();
  (order && order.length ? order : nodes.map((n) => n.id)).forEach((id, i) => rank.set(id, i));
  const from = (e) => e.from.split(".")[0], to = (e) => e.to.split(".")[0];
  const depth = new Map([["source", 0]]);
  const ids = [...nodes.map((n) => n.id)].sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
  // execution order is a topological order: one pass finds every depth
  for (const id of ids) {
    let d = 1;
    for (const e of def.edges || []) if (to(e) === id) d = Math.max(d, (depth.get(from(e)) ?? 0) + 1);
    depth.set(id, d);
  }
  const cols = [];
  for (const id of ["source", ...ids]) (cols[depth.get(id)] ||= []).push(id);
  cols.forEach((col, c) => col.forEach((id, r) =>
    pos.set(id, { x: 10 + c * (NODE_W + GAP_X), y: 10 + r * (NODE_H + GAP_Y) })));
  const width = 20 + cols.length * (NODE_W + GAP_X) - GAP_X;
  const height = 20 + Math.max(...cols.map((c) => c.length)) * (NODE_H + GAP_Y) - GAP_Y;
  const arrow = `arrow-${++drawn}`;
  const svg = s("svg", { class: "graph", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `pipeline ${def.pipeline_id}: ${nodes.length} nodes` },
  s("defs", null, s("marker", { id: arrow, viewBox: "0 0 10 10", refX: 10, refY: 5,
    markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" },
  s("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#64748b" }))));
  for (const e of def.edges || []) {
    const a = pos.get(from(e)), b = pos.get(to(e));
    if (!a || !b) continue;
    const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2, mx = (x1 + x2) / 2;
    svg.append(s("path", { class: "edge", "marker-end": `url(#${arrow})`, d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}` },
      s("title", null, `${e.from} → ${e.to}`)));
  }
  const types = new Map(nodes.map((n) => [n.id, n.type]));
  for (const [id, p] of pos) {
    const src = id === "source";
    svg.append(s("g", { class: src ? "source" : "node", dataset: src ? {} : { node: id },
      transform: `translate(${p.x} ${p.y})` },
    s("rect", { width: NODE_W, height: NODE_H, rx: 6 }),
    s("text", { x: 8, y: src ? 25 : 17 }, id),
    src ? null : s("text", { class: "type", x: 8, y: 32 }, types.get(id))));
  }
  return svg;
}

// Per node, a bar of the mean time and a lighter one of the p95, in ms; the bottleneck's
// row is <g class="row bottleneck"> and says so in words.
export function nodeTimeChart(nodes, bottleneck) {
  const rowH = 34, labelW = 170, w = 680;
  const max = Math.max(1e-9, ...nodes.map((n) => n.p95_ms || 0), ...nodes.map((n) => n.mean_ms || 0));
  const scale = (v) => ((w - labelW - 190) * (v || 0)) / max;
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${w} ${nodes.length * rowH + 10}`,
    role: "img", "aria-label": "time per frame of each node, mean and p95" });
  nodes.forEach((n, i) => {
    const hot = bottleneck && bottleneck.node === n.id;
    const y = 5 + i * rowH;
    svg.append(s("g", { class: hot ? "row bottleneck" : "row", dataset: { node: n.id } },
      s("text", { class: "name", x: 0, y: y + 15 }, hot ? `${n.id} (bottleneck)` : n.id),
      s("rect", { class: "bar-p95", x: labelW, y: y + 2, height: 12, width: scale(n.p95_ms) }),
      s("rect", { class: "bar-mean", x: labelW, y: y + 16, height: 12, width: scale(n.mean_ms) }),
      s("text", { x: labelW + Math.max(scale(n.p95_ms), scale(n.mean_ms)) + 6, y: y + 20 },
        `mean ${(n.mean_ms || 0).toFixed(2)} · p95 ${(n.p95_ms || 0).toFixed(2)} ms`)));
  });
  return svg;
}

// Columns of @values with @labels under them.
export function columns(values, labels, unit) {
  const w = 640, hgt = 110, n = Math.max(values.length, 1), cw = Math.min((w - 20) / n, 110);
  const max = Math.max(1e-9, ...values);
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${w} ${hgt + 30}`, role: "img",
    "aria-label": labels.map((l, i) => `${l}: ${values[i].toFixed(1)} ${unit}`).join(", ") });
  values.forEach((v, i) => {
    const bh = (hgt - 20) * (v / max);
    svg.append(s("rect", { class: "bar-mean", x: 10 + i * cw + 4, y: hgt - bh, width: Math.max(cw - 8, 2), height: bh }),
      s("text", { x: 10 + i * cw + 4, y: hgt - bh - 4 }, v.toFixed(1)),
      s("text", { x: 10 + i * cw + 4, y: hgt + 16 }, labels[i]));
  });
  return svg;
}
