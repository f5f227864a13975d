// The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core,
// against the streamdagd that tests/sdag-ui-test.c started (with tokens, a real RTSP camera
// and finite jobs). One case per run: `node cases.mjs CASE`; exit status 0 when it passed.
//
// Every case also asserts that no request left the daemon's origin (the browser's network
// events, WebSockets included) and that the page logged no error.
import { chromium } from "playwright-core";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set (tests/sdag-ui-test.c sets it)`);
  return v;
};
const BASE = env("SDAG_UI_BASE");
const TOKEN = env("SDAG_UI_TOKEN");
const SHOTS = env("SDAG_UI_SHOTS");
const ORIGIN = new URL(BASE).origin;
const WS_ORIGIN = ORIGIN.replace(/^http/, "ws");
const TIMEOUT = 30000;

// One browser a run (a fresh profile: playwright makes a temporary one), one fresh context
// (an isolated session, as a new incognito window) for each page load of the case.
let browser = null;

async function open({ token = TOKEN, allow401 = false, phone = false } = {}) {
  if (!browser) {
    const exe = process.env.SDAG_UI_CHROMIUM || "/usr/bin/chromium";
    assert.ok(existsSync(exe), `${exe} is missing: make check installs it (scripts/install-deps.sh)`);
    browser = await chromium.launch({
      executablePath: exe,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
  }
  const context = await browser.newContext(phone
    ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
    : { viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const t = { context, page, foreign: [], errors: [], bytes: 0, failures: [], refused: 0 };
  // every request of the context (pages, workers), the snapshots' blob: URLs being the page's own
  context.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(ORIGIN + "/") && !u.startsWith("blob:" + ORIGIN + "/")) t.foreign.push(u);
  });
  page.on("websocket", (ws) => {
    if (!ws.url().startsWith(WS_ORIGIN + "/")) t.foreign.push(ws.url());
  });
  page.on("requestfinished", async (r) => {
    try {
      const s = await r.sizes();
      t.bytes += s.responseBodySize + s.responseHeadersSize;
    } catch {
      /* the page went away meanwhile */
    }
  });
  page.on("response", (r) => {
    if (r.status() === 401) t.refused++;
    // a snapshot the camera or job has not drawn yet is the one 404 a page expects
    if (r.status() >= 400 && !(allow401 && r.status() === 401) && !/\/snapshot\.jpg$/.test(r.url()))
      t.failures.push(`${r.status()} ${r.url()}`);
  });
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // the browser's own line for a response it was given (asserted through `failures`)
    if (/^Failed to load resource: the server responded with a status of (401|404)/.test(m.text())) return;
    t.errors.push(m.text());
  });
  page.on("pageerror", (e) => t.errors.push(String(e)));
  // The first load, before a token is entered: the API refuses, and the page says so
  await page.goto(BASE + "/");
  await page.locator("#error code", { hasText: "unauthorized" }).waitFor();
  t.failures = t.failures.filter((f) => !f.startsWith("401 "));
  // the token is entered as an operator would: typed into the form, then kept by the page
  await page.fill("#token", token);
  await page.click("#token-form button[type=submit]");
  return t;
}

async function close(t) {
  await t.context.close();
  assert.deepEqual(t.foreign, [], "requests that left the daemon's origin");
  assert.deepEqual(t.errors, [], "errors in the browser's console");
  assert.deepEqual(t.failures, [], "answers the page did not expect");
}

async function go(t, hash, page) {
  await t.page.evaluate((h) => { location.hash = h; }, hash);
  await t.page.waitForSelector(`main[data-page="${page}"]`);
}

async function shot(t, name) {
  await t.page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

const cases = {
  // The camera online with a snapshot of non-zero natural size; its state turns to backoff
  // when the test (told through a file) stops the RTSP server.
  async cameras() {
    const t = await open();
    const cam = env("SDAG_UI_CAMERA");
    await go(t, "#/cameras", "cameras");
    const card = t.page.locator(`section.card[data-camera="${cam}"]`);
    await card.locator('.state[data-state="online"]').waitFor();
    await t.page.waitForFunction((c) => {
      const img = document.querySelector(`section.card[data-camera="${c}"] img.snapshot`);
      return img && img.complete && img.naturalWidth > 0 && img.naturalHeight > 0;
    }, cam);
    assert.match(await card.locator(".fps").innerText(), /^\d+\.\d$/);
    // the camera's track events stream into its card
    await card.locator("ul.events li").first().waitFor();
    assert.match(await card.locator("ul.events li").first().innerText(), /^(new|update|end) motion #\d+/);
    await shot(t, "cameras");
    writeFileSync(env("SDAG_UI_SIGNAL"), "online\n");
    await card.locator('.state[data-state="backoff"]').waitFor({ timeout: 60000 });
    // Disable, then Enable: the card follows, each button usable only when it means something
    await card.locator("button", { hasText: "Disable" }).click();
    await card.locator('.state[data-state="disabled"]').waitFor();
    assert.equal(await card.locator("button", { hasText: "Disable" }).isEnabled(), false);
    await card.locator("button", { hasText: "Enable" }).click();
    await card.locator('.state:not([data-state="disabled"])').waitFor();
    assert.equal(await card.locator("button", { hasText: "Enable" }).isEnabled(), false);
    await close(t);
  },

  // A finite job's progress bar reaches 100 % while the page stays loaded: the WebSocket
  // moved it.
  async progress() {
    const t = await open();
    const id = env("SDAG_UI_JOB");
    await go(t, "#/jobs", "jobs");
    await t.page.evaluate(() => { window.sdagNotReloaded = true; });
    const bar = t.page.locator(`tr[data-job="${id}"] progress`);
    const first = await bar.getAttribute("data-value");
    assert.notEqual(first, "100", "the job had ended before the page showed it");
    await t.page.waitForSelector(`tr[data-job="${id}"] progress[data-value="100"]`, { timeout: 60000 });
    assert.equal(await t.page.evaluate(() => window.sdagNotReloaded), true);
    assert.equal(await t.page.locator(`tr[data-job="${id}"]`).getAttribute("data-status"), "completed");
    await shot(t, "jobs");
    await close(t);
  },

  // A job submitted while the jobs page is open joins the top of its table without a
  // reload, and its progress moves there to the end.
  async arrivals() {
    const t = await open();
    const p = t.page;
    await go(t, "#/jobs", "jobs");
    await p.evaluate(() => { window.sdagNotReloaded = true; });
    const r = await fetch(`${BASE}/jobs`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ pipeline_id: "slowp", source: env("SDAG_UI_SOURCE") }),
    });
    assert.equal(r.status, 202);
    const id = (await r.json()).job_id;
    writeFileSync(env("SDAG_UI_SIGNAL"), id);
    await p.locator(`#jobs tbody tr[data-job="${id}"]`).waitFor({ timeout: 10000 });
    assert.equal(await p.locator("#jobs tbody tr[data-job]").first().getAttribute("data-job"), id);
    assert.equal(await p.locator(`#jobs tbody tr[data-job="${id}"]`).count(), 1);
    await p.waitForSelector(`tr[data-job="${id}"] progress[data-value="100"]`, { timeout: 60000 });
    assert.equal(await p.locator(`tr[data-job="${id}"]`).getAttribute("data-status"), "completed");
    assert.equal(await p.evaluate(() => window.sdagNotReloaded), true);
    await close(t);
  },

  // The job page: one SVG node per pipeline node, the node-time chart with the bottleneck
  // named.
  async job() {
    const t = await open();
    const id = env("SDAG_UI_JOB");
    const nodes = env("SDAG_UI_JOB_NODES").split(",");
    await go(t, `#/jobs/${id}`, "job");
    const drawn = await t.page.locator("svg.graph g.node").evaluateAll((gs) => gs.map((g) => g.dataset.node));
    assert.deepEqual(drawn.sort(), [...nodes].sort());
    await t.page.locator("#node-chart svg g.row").first().waitFor();
    assert.equal(await t.page.locator("#node-chart svg g.row").count(), nodes.length);
    const hot = env("SDAG_UI_BOTTLENECK");
    assert.equal(await t.page.locator("#node-chart svg g.row.bottleneck").getAttribute("data-node"), hot);
    assert.match(await t.page.locator("#bottleneck").innerText(), new RegExp(`^Bottleneck: ${hot} `));
    await t.page.waitForFunction(() => {
      const img = document.querySelector(".job-snapshot img");
      return img && img.complete && img.naturalWidth > 0;
    });
    await shot(t, "job");
    await close(t);
  },

  // Cancel, confirmed in the dialog: the job is cancelled (the test asks REST too).
  async cancel() {
    const t = await open();
    const id = env("SDAG_UI_LONG_JOB");
    await go(t, `#/jobs/${id}`, "job");
    // the job's detections stream in while it runs
    await t.page.locator("#detections li").first().waitFor();
    assert.match(await t.page.locator("#detections li").first().innerText(), /^frame \d+: /);
    // with the keyboard alone: Enter on the button, Enter on the dialog's Confirm, which
    // has the focus
    await t.page.focus("#cancel");
    await t.page.keyboard.press("Enter");
    await t.page.locator("#confirm[open]").waitFor();
    assert.equal(await t.page.evaluate(() => document.activeElement.id), "confirm-ok");
    await t.page.keyboard.press("Enter");
    await t.page.locator('#job-status .state[data-state="cancelled"]').waitFor();
    const r = await fetch(`${BASE}/jobs/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal((await r.json()).status, "cancelled");
    await close(t);
  },

  // A token that matches none: the page shows the API's 401, its code and message.
  async badtoken() {
    const t = await open({ token: env("SDAG_UI_BAD_TOKEN"), allow401: true });
    await go(t, "#/jobs", "jobs");
    const alert = t.page.locator("#error");
    await alert.waitFor({ state: "visible" });
    const text = await alert.innerText();
    const r = await fetch(`${BASE}/jobs`, { headers: { Authorization: `Bearer ${env("SDAG_UI_BAD_TOKEN")}` } });
    const api = (await r.json()).error;
    assert.equal(r.status, 401);
    assert.ok(text.includes(api.code) && text.includes(api.message), `shown: ${text}`);
    // the cameras page, which refreshes every 2 s, asks no more once refused: a tab left
    // with a bad token does not fill the audit trail with refusals
    await go(t, "#/cameras", "cameras");
    const refused = t.refused;
    await t.page.waitForTimeout(4500);
    assert.equal(t.refused, refused, "the page kept calling the API with a refused token");
    await close(t);
  },

  // The pipelines page's form: a job, then a camera, with the pipeline shown above it.
  async submit() {
    const t = await open();
    const p = t.page;
    await go(t, "#/pipelines", "pipelines");
    const card = p.locator('section[data-pipeline="slowp"]');
    assert.equal(await card.locator("svg.graph g.node").count(), 3);
    await card.locator('input[name="source"]').fill(env("SDAG_UI_SOURCE"));
    await card.locator("button", { hasText: "Submit a job" }).click();
    const link = card.locator('[role="status"] a', { hasText: "submitted" });
    await link.waitFor();
    const job = (await link.getAttribute("href")).replace("#/jobs/", "");
    writeFileSync(env("SDAG_UI_SIGNAL"), job + "\n");
    await card.locator('input[name="source"]').fill(env("SDAG_UI_CAMERA_SOURCE"));
    await card.locator('input[name="camera"]').fill("porch");
    await card.locator("button", { hasText: "Create a camera" }).click();
    await card.locator('[role="status"] a', { hasText: "camera porch saved" }).waitFor();
    await close(t);
  },

  // The jobs table's filters and its paging through history with the API's cursor.
  async filters() {
    const t = await open();
    const p = t.page;
    const rows = () => p.locator("#jobs tbody tr[data-job]").evaluateAll((trs) =>
      trs.map((tr) => ({ id: tr.dataset.job, status: tr.dataset.status, pipeline: tr.dataset.pipeline, camera: tr.dataset.camera })));
    const loads = async () => Number((await p.locator("main").getAttribute("data-loads")) || 0);
    const act = async (fn) => {
      const before = await loads();
      await fn();
      await p.waitForFunction((n) => Number(document.querySelector("main").dataset.loads || 0) > n, before);
    };
    await go(t, "#/jobs", "jobs");
    await p.selectOption('select[name="status"]', "completed");
    await p.selectOption('select[name="limit"]', "10");
    await act(() => p.click('form.filters button[type="submit"]'));
    const first = await rows();
    assert.equal(first.length, 10);
    assert.ok(first.every((r) => r.status === "completed"));
    assert.equal(await p.locator("#older").isEnabled(), true);
    assert.equal(await p.locator("#newer").isEnabled(), false);
    await act(() => p.click("#older"));
    const second = await rows();
    assert.ok(second.length >= 1 && second.every((r) => r.status === "completed"));
    assert.ok(second.every((r) => !first.some((f) => f.id === r.id)), "a page repeated a job");
    await act(() => p.click("#newer"));
    assert.deepEqual((await rows()).map((r) => r.id), first.map((r) => r.id));
    // the camera's jobs only, by pipeline and by camera
    await p.selectOption('select[name="status"]', "");
    await p.selectOption('select[name="pipeline_id"]', "zoned");
    await p.selectOption('select[name="camera"]', env("SDAG_UI_CAMERA"));
    await act(() => p.click('form.filters button[type="submit"]'));
    const cams = await rows();
    assert.ok(cams.length >= 1 && cams.every((r) => r.pipeline === "zoned" && r.camera === env("SDAG_UI_CAMERA")));
    // created after tomorrow: none
    const tomorrow = new Date(Date.now() + 86400e3);
    const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
    await p.fill('input[name="since"]', local);
    await act(() => p.click('form.filters button[type="submit"]'));
    assert.equal((await rows()).length, 0);
    await p.locator("#jobs tbody", { hasText: "No jobs." }).waitFor();
    await close(t);
  },

  // A phone's screen: every page fits its width (tables scroll in their own box).
  async phone() {
    for (const [hash, name] of [["#/cameras", "cameras"], ["#/jobs", "jobs"], [`#/jobs/${env("SDAG_UI_JOB")}`, "job"],
      ["#/pipelines", "pipelines"], ["#/audit", "audit"]]) {
      const t = await open({ phone: true });
      await go(t, hash, name);
      // against the screen's width, not the layout viewport's (a phone's browser widens that
      // to fit what overflows): nothing wider, and every control on the screen
      const out = await t.page.evaluate((w) => {
        const bad = [];
        if (document.documentElement.scrollWidth > w) bad.push(`the page is ${document.documentElement.scrollWidth} px wide`);
        for (const el of document.querySelectorAll("header *, button, input, select, a")) {
          const r = el.getBoundingClientRect();
          if (r.width && !el.closest(".table-wrap") && (r.left < 0 || r.right > w))
            bad.push(`${el.tagName.toLowerCase()} "${el.textContent || el.name}" spans ${Math.round(r.left)}..${Math.round(r.right)}`);
        }
        return bad;
      }, 390);
      assert.deepEqual(out, [], `${name} on a 390 px screen`);
      await shot(t, `phone-${name}`);
      await close(t);
    }
  },

  // Each page loaded afresh: its weight (bytes transferred, headers and bodies), a
  // screenshot, nothing from elsewhere, no error.
  async pages() {
    const weights = {};
    for (const [hash, name] of [["#/cameras", "cameras"], ["#/jobs", "jobs"], [`#/jobs/${env("SDAG_UI_JOB")}`, "job"],
      ["#/pipelines", "pipelines"], ["#/audit", "audit"]]) {
      const t = await open();
      await go(t, hash, name);
      // the page's load as the operator's next visit has it: every file (no-cache) and the
      // API's answers, counted from the navigation on
      t.bytes = 0;
      await t.page.reload();
      await t.page.waitForSelector(`main[data-page="${name}"]`);
      await t.page.waitForLoadState("networkidle");
      weights[name] = t.bytes;
      await shot(t, `page-${name}`);
      await close(t);
    }
    for (const [name, bytes] of Object.entries(weights)) console.log(`weight ${name} ${bytes}`);
    writeFileSync(join(SHOTS, "weights.txt"), Object.entries(weights).map(([n, b]) => `${n} ${b}\n`).join(""));
  },
};

const name = process.argv[2];
if (!cases[name]) {
  console.error(`usage: node cases.mjs ${Object.keys(cases).join("|")}`);
  process.exit(2);
}
let status = 0;
try {
  await cases[name]();
} catch (e) {
  console.error(e && e.stack ? e.stack : e);
  status = 1;
}
if (browser) await browser.close();
process.exit(status);
