// The dashboard: one page per fragment (#/cameras, #/jobs, #/jobs/ID, #/pipelines, #/audit),
// every figure from the API with the operator's token (docs/dashboard.md).
import { api, ApiError, feed, getToken, imageUrl, setToken } from "./api.js";
import { fmt, h, time } from "./dom.js";
import { columns, nodeTimeChart, pipelineGraph } from "./graph.js";

const main = document.getElementById("main");
const errorBox = document.getElementById("error");
const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const REFRESH_MS = 2000;

function showError(e) {
  if (!e) {
    errorBox.hidden = true;
    errorBox.replaceChildren();
    return;
  }
  errorBox.hidden = false;
  if (e instanceof ApiError)
    errorBox.replaceChildren(h("code", null, e.code), " ", e.message, h("span", { class: "muted" }, ` (HTTP ${e.status})`));
  else errorBox.replaceChildren(String(e.message || e));
}

// Set when the API refused the token (401): the pages stop polling until another is given,
// so that a tab left open without a valid token does not fill the audit trail with refusals.
let needToken = false;

// Runs @fn, showing an API error instead of throwing it.
async function guard(fn) {
  try {
    const v = await fn();
    return v;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) needToken = true;
    showError(e);
    return undefined;
  }
}

function confirmAction(text) {
  const dlg = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dlg.addEventListener("close", () => resolve(dlg.returnValue === "ok"), { once: true });
    dlg.returnValue = "";
    dlg.showModal();
    document.getElementById("confirm-ok").focus();
  });
}

// What a page leaves running (timers, sockets, object URLs), ended when another is shown.
class Scope {
  constructor() { this.ends = []; this.dead = false; }
  // what a page starts after it was left is ended at once
  every(ms, fn) {
    if (this.dead) return;
    const id = setInterval(() => needToken || fn(), ms);
    this.ends.push(() => clearInterval(id));
  }
  socket(ws) { if (this.dead) ws.close(); else this.ends.push(() => ws.close()); return ws; }
  url(u) { if (u && this.dead) URL.revokeObjectURL(u); else if (u) this.ends.push(() => URL.revokeObjectURL(u)); return u; }
  end() { this.dead = true; this.ends.forEach((f) => f()); this.ends = []; }
}

// An <img> showing the latest JPEG of @path, its previous object URL released.
async function refreshImage(scope, img, path) {
  const u = await imageUrl(path);
  if (!u || scope.dead) return;
  const old = img.dataset.url;
  img.src = u;
  img.dataset.url = u;
  if (old) URL.revokeObjectURL(old);
  scope.url(u);
}

function stateBadge(state, reason) {
  return h("span", { class: "state", "data-state": state || "" }, state || "–", reason ? ` (${reason})` : "");
}

function describeEvent(m) {
  const p = m.payload || {};
  const a = p.after || {};
  return `${p.type || m.type} ${a.label || ""} #${p.track_id ?? ""}${a.current_zones && a.current_zones.length ? " in " + a.current_zones.join(",") : ""}`;
}

function countsList(counts) {
  if (!counts || !Object.keys(counts).length) return h("p", { class: "muted" }, "no counts");
  const items = [];
  for (const [where, labels] of Object.entries(counts))
    for (const [label, v] of Object.entries(labels || {})) items.push(h("li", null, `${where} ${label}: ${v}`));
  return h("ul", { class: "counts" }, items);
}

/* ---- Cameras ---- */

async function camerasPage(scope) {
  const grid = h("div", { class: "grid" });
  main.replaceChildren(h("h1", null, "Cameras"), grid);
  const cards = new Map();

  function card(cam) {
    const c = { events: h("ul", { class: "events", "aria-label": "last events" }),
      img: h("img", { class: "snapshot", alt: `latest snapshot of ${cam.name}` }),
      body: h("div") };
    c.el = h("section", { class: "card", "data-camera": cam.name, "aria-label": cam.name },
      h("h2", null, cam.name), c.img, c.body, h("h3", { class: "muted" }, "Last events"), c.events);
    c.ws = scope.socket(feed(`/cameras/${encodeURIComponent(cam.name)}/events`, (m) => {
      if (m.type !== "event") return;
      c.events.prepend(h("li", null, describeEvent(m)));
      while (c.events.children.length > 8) c.events.lastChild.remove();
    }));
    return c;
  }

  function fill(c, cam) {
    const toggle = async (what) => {
      if (await guard(() => api(`/cameras/${encodeURIComponent(cam.name)}/${what}`, { method: "POST" }))) {
        showError(null);
        await load();
      }
    };
    c.body.replaceChildren(
      h("p", null, stateBadge(cam.source_state, cam.source_reason)),
      h("dl", { class: "figures" },
        h("dt", null, "processed fps"), h("dd", { class: "fps" }, fmt(cam.processed_fps)),
        h("dt", null, "dropped frames"), h("dd", { class: "dropped" }, fmt(cam.dropped_frames, 0)),
        h("dt", null, "reconnects"), h("dd", { class: "reconnects" }, fmt(cam.reconnects, 0)),
        h("dt", null, "pipeline"), h("dd", null, cam.pipeline_id),
        h("dt", null, "job"), h("dd", null, cam.job_id ? h("a", { href: `#/jobs/${cam.job_id}` }, cam.job_id.slice(0, 8)) : "–"),
        cam.problem ? [h("dt", null, "problem"), h("dd", null, cam.problem)] : null),
      countsList(cam.counts),
      h("div", { class: "actions" },
        h("button", { type: "button", disabled: cam.enabled, onclick: () => toggle("enable") }, "Enable"),
        h("button", { type: "button", disabled: !cam.enabled, onclick: () => toggle("disable") }, "Disable")));
  }

  async function load() {
    const r = await guard(() => api("/cameras"));
    if (!r || scope.dead) return;
    // an error stays until the next action or page: a refresh does not hide a refusal
    const list = r.cameras || [];
    if (!list.length) grid.replaceChildren(h("p", { class: "muted" }, "No cameras."));
    for (const cam of list) {
      let c = cards.get(cam.name);
      if (!c) {
        c = card(cam);
        cards.set(cam.name, c);
        grid.append(c.el);
      }
      fill(c, cam);
      if (cam.last_frame_at) guard(() => refreshImage(scope, c.img, `/cameras/${encodeURIComponent(cam.name)}/snapshot.jpg`));
    }
  }
  await load();
  scope.every(REFRESH_MS, load);
}

/* ---- Jobs ---- */

function progressBar(job) {
  const v = job.status === "completed" ? 1 : job.progress;
  const pct = v === null || v === undefined ? null : Math.round(v * 100);
  return h("progress", { max: 100, value: pct ?? undefined, "aria-label": `progress of ${job.job_id}`,
    "data-value": pct ?? "" }, pct === null ? "unknown" : `${pct}%`);
}

async function jobsPage(scope) {
  const [pipes, cams] = await Promise.all([guard(() => api("/pipelines")), guard(() => api("/cameras"))]);
  if (scope.dead) return;
  const sel = (name, label, values) => h("label", null, label, h("select", { name },
    h("option", { value: "" }, "any"), values.map((v) => h("option", { value: v }, v))));
  const form = h("form", { class: "filters", "aria-label": "filters" },
    sel("pipeline_id", "Pipeline", (pipes?.pipelines || []).map((p) => p.pipeline_id)),
    sel("status", "Status", ["queued", "running", "completed", "failed", "cancelled"]),
    sel("camera", "Camera", (cams?.cameras || []).map((c) => c.name)),
    h("label", null, "Since", h("input", { type: "datetime-local", name: "since" })),
    h("label", null, "Until", h("input", { type: "datetime-local", name: "until" })),
    h("label", null, "Per page", h("select", { name: "limit" },
      [10, 25, 50, 100].map((n) => h("option", { value: n, selected: n === 25 }, n)))),
    h("button", { type: "submit" }, "Filter"));
  const tbody = h("tbody");
  const prev = h("button", { type: "button", disabled: true, id: "newer" }, "Newer");
  const next = h("button", { type: "button", disabled: true, id: "older" }, "Older");
  main.replaceChildren(h("h1", null, "Jobs"), form,
    h("div", { class: "table-wrap" }, h("table", { id: "jobs" },
      h("thead", null, h("tr", null, ["Job", "Status", "Progress", "fps", "Pipeline", "Camera", "Source", "Created"].map((t) => h("th", { scope: "col" }, t)))),
      tbody)),
    h("div", { class: "pager" }, prev, next));
  const cursors = [null];
  // gen: which load the table shows, so that an answer to an older query is dropped
  let page = 0, sockets = [], gen = 0;

  function row(job) {
    const tr = h("tr", { "data-job": job.job_id });
    const update = (j) => {
      tr.dataset.status = j.status;
      tr.dataset.pipeline = j.pipeline_id;
      tr.dataset.camera = j.camera || "";
      tr.dataset.created = j.created_at;
      tr.replaceChildren(
        h("td", null, h("a", { href: `#/jobs/${j.job_id}` }, j.job_id.slice(0, 8))),
        h("td", null, stateBadge(j.status)),
        h("td", null, progressBar(j)),
        h("td", null, fmt(j.fps)),
        h("td", null, j.pipeline_id),
        h("td", null, j.camera || "–"),
        h("td", { class: "source", title: j.source }, j.source),
        h("td", null, time(j.created_at)));
    };
    update(job);
    if (!TERMINAL.has(job.status)) {
      const live = { ...job };
      const ws = feed(`/jobs/${job.job_id}/events`, (m) => {
        if (m.type !== "progress" && m.type !== "status") return;
        Object.assign(live, m.payload);
        update(live);
      });
      sockets.push(ws);
      scope.socket(ws);
    }
    return tr;
  }

  function query() {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) {
      if (!v) continue;
      q.set(k, k === "since" || k === "until" ? new Date(v).toISOString() : v);
    }
    return q;
  }

  async function load() {
    const q = query();
    const mine = ++gen;
    if (cursors[page]) q.set("cursor", cursors[page]);
    const r = await guard(() => api(`/jobs?${q}`));
    if (!r || scope.dead || mine !== gen) return;
    showError(null);
    sockets.forEach((ws) => ws.close());
    sockets = [];
    tbody.replaceChildren(...r.jobs.map(row));
    if (!r.jobs.length) tbody.append(h("tr", null, h("td", { colspan: 8, class: "muted" }, "No jobs.")));
    cursors[page + 1] = r.next_cursor;
    next.disabled = !r.next_cursor;
    prev.disabled = page === 0;
    // how many answers the table has shown: what a test waits on after a click
    main.dataset.loads = String(Number(main.dataset.loads || 0) + 1);
  }
  // Jobs submitted since the first page loaded join its top: no event announces a new
  // job, so the page asks for the newest ones as the cameras page does for its cards.
  async function arrivals() {
    const mine = gen;
    if (page !== 0) return;
    const r = await guard(() => api(`/jobs?${query()}`));
    if (!r || scope.dead || mine !== gen || page !== 0) return;
    // the newest job the table shows is its first row's
    const top = tbody.querySelector("tr[data-job]")?.dataset.created ?? null;
    const fresh = r.jobs.filter((j) => (top === null || j.created_at > top) &&
      !tbody.querySelector(`tr[data-job="${j.job_id}"]`));
    if (!fresh.length) return;
    if (top === null) tbody.replaceChildren();
    tbody.prepend(...fresh.map(row));
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); page = 0; cursors.length = 1; load(); });
  next.addEventListener("click", () => { page++; load(); });
  prev.addEventListener("click", () => { page--; load(); });
  await load();
  scope.every(REFRESH_MS, arrivals);
}

/* ---- One job ---- */

async function jobPage(scope, id) {
  const job = await guard(() => api(`/jobs/${encodeURIComponent(id)}`));
  if (scope.dead) return;
  if (!job) {
    main.replaceChildren(h("h1", null, "Job"), h("p", null, h("a", { href: "#/jobs" }, "All jobs")));
    return;
  }
  showError(null);
  const def = job.pipeline || { nodes: [], edges: [] };
  const stored = await api(`/pipelines/${encodeURIComponent(job.pipeline_id)}`).catch(() => null);
  if (scope.dead) return;
  const order = stored && JSON.stringify(stored.definition) === JSON.stringify(def) ? stored.order : null;
  const img = h("img", { alt: "latest snapshot of the job, with boxes and track ids" });
  const status = h("p", { id: "job-status" });
  const figures = h("dl", { class: "figures" });
  const detections = h("ul", { class: "events", id: "detections", "aria-label": "detections" });
  const events = h("ul", { class: "events", id: "events", "aria-label": "events" });
  const counts = h("div", { id: "counts" });
  const chart = h("div", { id: "node-chart" });
  const cancel = h("button", { type: "button", class: "danger", id: "cancel" }, "Cancel");
  const del = h("button", { type: "button", id: "delete" }, "Delete");
  const countValues = {};
  main.replaceChildren(
    h("h1", null, `Job ${id}`),
    status,
    h("div", { class: "two" },
      h("section", { class: "card job-snapshot" }, h("h2", null, "Latest snapshot"), img),
      h("section", { class: "card" }, h("h2", null, "Figures"), figures, h("h3", null, "Counts"), counts,
        h("div", { class: "actions" }, cancel, del))),
    h("div", { class: "two" },
      h("section", { class: "card" }, h("h2", null, "Pipeline"), pipelineGraph(def, order)),
      h("section", { class: "card" }, h("h2", null, "Time per frame of each node (ms)"),
        h("p", { class: "legend" }, "light: p95, dark: mean; the bottleneck in red"), chart)),
    h("div", { class: "two" },
      h("section", { class: "card" }, h("h2", null, "Detections"), detections),
      h("section", { class: "card" }, h("h2", null, "Events"), events)));

  function show(j) {
    status.replaceChildren(stateBadge(j.status), " ", progressBar(j), " ", j.error ? `${j.error.code}: ${j.error.message}` : "");
    figures.replaceChildren(
      h("dt", null, "pipeline"), h("dd", null, h("a", { href: "#/pipelines" }, j.pipeline_id)),
      h("dt", null, "source"), h("dd", null, j.source),
      h("dt", null, "frames processed"), h("dd", null, fmt(j.frames_processed, 0)),
      h("dt", null, "fps"), h("dd", null, fmt(j.fps)),
      h("dt", null, "created"), h("dd", null, time(j.created_at)),
      h("dt", null, "finished"), h("dd", null, time(j.finished_at)));
    cancel.disabled = TERMINAL.has(j.status);
  }
  function showCounts(c) {
    counts.replaceChildren(countsList(c));
  }
  show(job);
  showCounts(job.summary && job.summary.counts);

  async function metrics() {
    const m = await guard(() => api(`/jobs/${encodeURIComponent(id)}/metrics`));
    if (!m || scope.dead) return;
    chart.replaceChildren(nodeTimeChart(m.nodes || [], m.bottleneck),
      h("p", { id: "bottleneck" }, m.bottleneck ? `Bottleneck: ${m.bottleneck.node} (${(m.bottleneck.share * 100).toFixed(1)} % of the DAG's time)` : "No frame yet."));
    return m;
  }
  const live = { ...job };
  await metrics();
  guard(() => refreshImage(scope, img, `/jobs/${encodeURIComponent(id)}/snapshot.jpg`));
  if (!TERMINAL.has(job.status)) {
    scope.socket(feed(`/jobs/${encodeURIComponent(id)}/events`, (m) => {
      const p = m.payload || {};
      if (m.type === "status" || m.type === "progress") {
        Object.assign(live, p);
        show(live);
        if (TERMINAL.has(live.status)) metrics();
      } else if (m.type === "detections") {
        detections.prepend(h("li", null, `frame ${p.frame_id}: ${(p.detections || []).map((d) => `${d.label ?? ""}${d.track_id !== undefined ? " #" + d.track_id : ""}`).join(", ") || "none"}`));
        while (detections.children.length > 20) detections.lastChild.remove();
      } else if (m.type === "event") {
        events.prepend(h("li", null, describeEvent(m)));
        while (events.children.length > 20) events.lastChild.remove();
      } else if (m.type === "count") {
        const [kind, name] = String(p.name || "").split("/");
        ((countValues[`${kind}/${name}`] ||= {}))[p.label] = p.value;
        showCounts(countValues);
      }
    }));
    scope.every(REFRESH_MS, () => {
      if (TERMINAL.has(live.status)) return;
      metrics();
      guard(() => refreshImage(scope, img, `/jobs/${encodeURIComponent(id)}/snapshot.jpg`));
    });
  }
  cancel.addEventListener("click", async () => {
    if (!(await confirmAction(`Cancel job ${id}?`))) return;
    const j = await guard(() => api(`/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" }));
    if (j) { showError(null); Object.assign(live, j); show(live); }
  });
  del.addEventListener("click", async () => {
    if (!(await confirmAction(`Delete job ${id} with its results?`))) return;
    if ((await guard(() => api(`/jobs/${encodeURIComponent(id)}`, { method: "DELETE" }))) !== undefined) location.hash = "#/jobs";
  });
}

/* ---- Pipelines ---- */

async function pipelinesPage(scope) {
  const r = await guard(() => api("/pipelines"));
  if (scope.dead) return;
  main.replaceChildren(h("h1", null, "Pipelines"));
  if (!r) return;
  for (const p of r.pipelines) {
    const [full, stats] = await Promise.all([
      guard(() => api(`/pipelines/${encodeURIComponent(p.pipeline_id)}`)),
      api(`/pipelines/${encodeURIComponent(p.pipeline_id)}/stats`).catch(() => null)]);
    if (!full || scope.dead) return;
    const source = h("input", { name: "source", required: true, placeholder: "rtsp://… or file:///…", size: 40 });
    const camera = h("input", { name: "camera", placeholder: "camera name (for a camera)", pattern: "[A-Za-z0-9_.\\-]{1,64}" });
    const done = h("p", { role: "status" });
    const submit = async (ev) => {
      ev.preventDefault();
      const asCamera = ev.submitter && ev.submitter.value === "camera";
      let r2;
      if (asCamera)
        r2 = await guard(() => api(`/cameras/${encodeURIComponent(camera.value)}`, { method: "PUT",
          body: { source: source.value, pipeline_id: p.pipeline_id, enabled: true } }));
      else
        r2 = await guard(() => api("/jobs", { method: "POST", body: { pipeline_id: p.pipeline_id, source: source.value } }));
      if (!r2) return;
      showError(null);
      done.replaceChildren(asCamera ? h("a", { href: "#/cameras" }, `camera ${r2.name} saved`) : h("a", { href: `#/jobs/${r2.job_id}` }, `job ${r2.job_id} submitted`));
    };
    const trend = stats?.trend || [];
    const shares = stats?.nodes || [];
    main.append(h("section", { class: "card", "data-pipeline": p.pipeline_id },
      h("h2", null, p.pipeline_id), h("p", { class: "muted" }, p.description || ""),
      h("div", { class: "two" },
        h("div", null, pipelineGraph(full.definition, full.order)),
        h("div", null,
          h("dl", { class: "figures" },
            h("dt", null, "runs"), h("dd", null, stats ? `${stats.runs.total} (${stats.runs.completed} completed, ${stats.runs.failed} failed, ${stats.runs.cancelled} cancelled)` : "none yet"),
            h("dt", null, "mean fps"), h("dd", null, fmt(stats?.fps?.mean)),
            h("dt", null, "bottleneck"), h("dd", null, stats?.bottleneck ? stats.bottleneck.node : "–")),
          trend.length ? [h("h3", null, "Mean fps per day"), columns(trend.map((d) => d.mean_fps || 0), trend.map((d) => `${d.day} (${d.runs})`), "fps")] : null,
          shares.length ? [h("h3", null, "Share of the DAG's time per node (%)"), columns(shares.map((n) => 100 * (n.share || 0)), shares.map((n) => n.id), "%")] : null)),
      h("form", { class: "stack", onsubmit: submit, "aria-label": `run ${p.pipeline_id}` },
        h("label", null, "Source URL", source),
        h("label", null, "Camera name", camera),
        h("div", { class: "actions" },
          h("button", { type: "submit", value: "job" }, "Submit a job"),
          h("button", { type: "submit", value: "camera" }, "Create a camera")),
        done)));
  }
  if (!r.pipelines.length) main.append(h("p", { class: "muted" }, "No pipelines."));
}

/* ---- Audit ---- */

async function auditPage(scope) {
  const form = h("form", { class: "filters", "aria-label": "filters" },
    h("label", null, "Actor", h("input", { name: "actor" })),
    h("label", null, "Action", h("input", { name: "action", placeholder: "job.cancel" })),
    h("label", null, "Since", h("input", { type: "datetime-local", name: "since" })),
    h("label", null, "Until", h("input", { type: "datetime-local", name: "until" })),
    h("button", { type: "submit" }, "Filter"));
  const tbody = h("tbody");
  const prev = h("button", { type: "button", disabled: true }, "Newer");
  const next = h("button", { type: "button", disabled: true }, "Older");
  main.replaceChildren(h("h1", null, "Audit"), form,
    h("div", { class: "table-wrap" }, h("table", { id: "audit" },
      h("thead", null, h("tr", null, ["#", "Time", "Actor", "Action", "Object", "Outcome"].map((t) => h("th", { scope: "col" }, t)))),
      tbody)),
    h("div", { class: "pager" }, prev, next));
  const cursors = [null];
  let page = 0;
  async function load() {
    const q = new URLSearchParams({ limit: "50" });
    for (const [k, v] of new FormData(form)) {
      if (!v) continue;
      q.set(k, k === "since" || k === "until" ? new Date(v).toISOString() : v);
    }
    if (cursors[page]) q.set("cursor", cursors[page]);
    const r = await guard(() => api(`/history?${q}`));
    if (!r || scope.dead) return;
    showError(null);
    tbody.replaceChildren(...r.entries.map((e) => h("tr", null,
      h("td", null, e.seq), h("td", null, time(e.time)), h("td", null, e.actor), h("td", null, e.action),
      h("td", { class: "source" }, e.object),
      h("td", null, [e.outcome?.http_status, e.outcome?.error].filter((x) => x !== null && x !== undefined).join(" ") || "–"))));
    cursors[page + 1] = r.next_cursor;
    next.disabled = !r.next_cursor;
    prev.disabled = page === 0;
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); page = 0; cursors.length = 1; load(); });
  next.addEventListener("click", () => { page++; load(); });
  prev.addEventListener("click", () => { page--; load(); });
  await load();
}

/* ---- the router and the token ---- */

let current = new Scope();

// A page still loading when another is asked for must neither draw nor say it is shown:
// each page draws only while its scope lives, and only the latest route marks <main>.
async function route() {
  current.end();
  const scope = (current = new Scope());
  showError(null);
  const parts = (location.hash || "#/cameras").slice(2).split("/");
  for (const a of document.querySelectorAll("nav a"))
    a.toggleAttribute("aria-current", a.getAttribute("href") === `#/${parts[0]}`) && a.setAttribute("aria-current", "page");
  const pages = { cameras: camerasPage, jobs: jobsPage, pipelines: pipelinesPage, audit: auditPage };
  document.title = `streamdag: ${parts[0]}`;
  main.dataset.page = "";
  delete main.dataset.loads;
  if (parts[0] === "jobs" && parts[1]) await jobPage(scope, decodeURIComponent(parts[1]));
  else await (pages[parts[0]] || camerasPage)(scope);
  if (!scope.dead) main.dataset.page = parts[0] === "jobs" && parts[1] ? "job" : parts[0];
}

const tokenForm = document.getElementById("token-form");
const tokenInput = document.getElementById("token");
tokenInput.value = getToken();
tokenForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  setToken(tokenInput.value.trim());
  needToken = false;
  route();
});
document.getElementById("token-forget").addEventListener("click", () => {
  setToken("");
  tokenInput.value = "";
  needToken = false;
  route();
});
window.addEventListener("hashchange", route);
route();
