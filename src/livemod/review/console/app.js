// livemod console: plain JavaScript over the review API, no build step.
// The session is an HttpOnly cookie set by POST /v1/session; every change
// sends the X-Livemod-Console header, which the API requires of cookie callers.
"use strict";

// The closed sets and their labels come from GET /v1/vocabulary (livemod/vocab.py), once.
const CAT = {}, SEV = {}, STATUS = {}, ACTION = {};
const VOCAB = { roles: [], open: [], decided: [] };
async function loadVocabulary() {
  if (VOCAB.roles.length) return;
  const v = await api("GET", "/v1/vocabulary");
  const fill = (into, items) => items.forEach((i) => { into[i.value] = i.label; });
  fill(CAT, v.categories); fill(SEV, v.severities); fill(STATUS, v.statuses); fill(ACTION, v.audit_actions);
  STATUS.open = v.open_label;
  VOCAB.roles = v.roles; VOCAB.open = v.open_statuses; VOCAB.decided = v.decided_statuses;
}
const REASONS = {
  confirm: ["属实，原话违规", "价格表述不清", "疗效宣传", "违禁品"],
  dismiss: ["误识别（ASR 听错）", "否定语境", "合规表述", "重复"],
  escalate: ["需要法务判断", "需要核实价格记录"],
};

const state = { me: null, taxonomy: [], titles: {}, sources: [], timers: [], leave: [] };

// ---------- helpers ----------
function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
function fmt(ms) {
  const s = Math.floor((ms || 0) / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = String(m).padStart(2, "0"), ss = String(r).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
function when(iso) {
  if (!iso) return "";
  const d = new Date(iso.endsWith("Z") || iso.includes("+") ? iso : iso + "Z");
  return d.toLocaleString("zh-CN", { hour12: false });
}
function highlight(text, a, b) {
  if (!(a >= 0 && b >= a && b <= text.length)) return esc(text);
  return esc(text.slice(0, a)) + "<mark>" + esc(text.slice(a, b)) + "</mark>" + esc(text.slice(b));
}
function title(cat, sub) { return state.titles[`${cat}.${sub}`] || sub; }
function badge(cls, text) { return `<span class="badge ${cls}">${esc(text)}</span>`; }
function toast(msg) {
  const t = document.getElementById("toast");
  t.textContent = msg; t.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(() => (t.hidden = true), 3500);
}
function can(...roles) { return state.me && (state.me.role === "admin" || roles.includes(state.me.role)); }

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}
async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: { "X-Livemod-Console": "1" } };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
  if (r.status === 401 && path !== "/v1/session") { state.me = null; location.hash = "#/login"; throw new ApiError(401, "请重新登录 sign in again"); }
  if (r.status === 204) return null;
  const ctype = r.headers.get("content-type") || "";
  const data = ctype.includes("json") ? await r.json() : await r.text();
  if (!r.ok) {
    const d = data && data.detail;
    throw new ApiError(r.status, typeof d === "string" ? d : JSON.stringify(d || data));
  }
  return data;
}

// Every view registers what it opened (event streams, timers) so leaving it closes them.
function cleanup() {
  state.sources.forEach((s) => s.close()); state.sources = [];
  state.timers.forEach((t) => clearInterval(t)); state.timers = [];
  state.leave.forEach((fn) => fn()); state.leave = [];
  document.onkeydown = null;
}
function live(path, onEvent, dot) {
  const es = new EventSource(path);
  es.addEventListener("finding", (e) => onEvent(JSON.parse(e.data)));
  es.onopen = () => dot && dot.classList.add("on");
  es.onerror = () => dot && dot.classList.remove("on");  // EventSource reconnects with Last-Event-ID
  state.sources.push(es);
  return es;
}
function every(ms, fn) { state.timers.push(setInterval(fn, ms)); }
function view(html) { const v = document.getElementById("view"); v.innerHTML = html; return v; }
function params() {
  const q = location.hash.split("?")[1] || "";
  return Object.fromEntries(new URLSearchParams(q));
}

// ---------- shell ----------
function renderBar() {
  const bar = document.getElementById("bar");
  if (!state.me) { bar.hidden = true; return; }
  bar.hidden = false;
  const links = [];
  if (can("moderator", "operator", "mcn")) links.push(["#/queue", "队列 Queue"], ["#/rooms", "直播间 Rooms"]);
  if (can("moderator", "mcn")) links.push(["#/reports", "报告 Reports"]);
  if (can("moderator", "operator", "mcn")) links.push(["#/check", "话术检查 Script check"]);
  if (can()) links.push(["#/admin", "管理 Admin"]);
  const here = location.hash.split("?")[0];
  document.getElementById("nav").innerHTML = links
    .map(([h, t]) => `<a href="${h}" class="${here.startsWith(h) ? "on" : ""}">${t}</a>`).join("");
  document.getElementById("me").innerHTML =
    `${esc(state.me.name)} · ${esc(state.me.role)} <button id="signout">退出 Sign out</button>`;
  document.getElementById("signout").onclick = async () => {
    await api("DELETE", "/v1/session"); state.me = null; location.hash = "#/login";
  };
}

async function ensureMe() {
  if (state.me) return true;
  try {
    const r = await fetch("/v1/session", { credentials: "same-origin" });
    if (!r.ok) return false;
    state.me = await r.json();
    await loadVocabulary();
    state.taxonomy = await api("GET", "/v1/taxonomy");
    state.titles = Object.fromEntries(state.taxonomy.map((t) => [`${t.category}.${t.subtype}`, t.title.split(" / ")[0]]));
    return true;
  } catch (e) { return false; }
}

const routes = [
  [/^#\/login$/, loginView],
  [/^#\/queue$/, queueView],
  [/^#\/finding\/([^/]+)$/, findingView],
  [/^#\/rooms$/, roomsView],
  [/^#\/room\/([^/]+)$/, roomView],
  [/^#\/reports$/, reportsView],
  [/^#\/report\/([^/]+)$/, reportView],
  [/^#\/check$/, checkView],
  [/^#\/admin$/, adminView],
];

async function route() {
  cleanup();
  const hash = location.hash || "#/queue";
  const path = hash.split("?")[0];
  if (path !== "#/login" && !(await ensureMe())) { location.hash = "#/login"; return; }
  renderBar();
  for (const [re, fn] of routes) {
    const m = path.match(re);
    if (m) {
      try { await fn(...m.slice(1).map(decodeURIComponent)); }
      catch (e) { if (e.status !== 401) view(`<p class="error">${esc(e.message)}</p>`); }
      return;
    }
  }
  location.hash = state.me && state.me.role === "mcn" ? "#/reports" : "#/queue";
}
window.addEventListener("hashchange", route);
window.addEventListener("pagehide", () => { state.leave.forEach((fn) => fn()); state.leave = []; });
window.addEventListener("DOMContentLoaded", route);

// ---------- sign in ----------
function loginView() {
  const v = view(`<form class="login card" id="login">
    <h1>livemod 审核台</h1>
    <p class="muted">用管理员发放的令牌登录。Sign in with the token an admin gave you
    (<code>livemod tokens create --role moderator</code>).</p>
    <input id="token" type="password" autocomplete="off" placeholder="lm_…" aria-label="token" autofocus>
    <button class="primary" type="submit">登录 Sign in</button>
    <p class="error" id="err"></p></form>`);
  v.querySelector("#login").onsubmit = async (e) => {
    e.preventDefault();
    try {
      state.me = await api("POST", "/v1/session", { token: v.querySelector("#token").value });
      state.me = null;
      await ensureMe();
      location.hash = state.me.role === "mcn" ? "#/reports" : "#/queue";
    } catch (err) { v.querySelector("#err").textContent = `登录失败 sign-in failed: ${err.message}`; }
  };
}

// ---------- queue ----------
const FILTERS = ["room_id", "category", "subtype", "severity", "status"];
function queueFilters() {
  const p = params();
  const f = {};
  FILTERS.forEach((k) => { if (p[k]) f[k] = p[k]; });
  if (!("status" in p) && can("moderator")) f.status = "open";
  return f;
}
function qs(obj) {
  const u = new URLSearchParams();
  Object.entries(obj).forEach(([k, v]) => { if (Array.isArray(v)) v.forEach((x) => u.append(k, x)); else if (v) u.set(k, v); });
  return u.toString();
}

async function queueView() {
  const f = queueFilters();
  // The next item comes from the same filters; "open" is what the queue serves anyway.
  const nextFilters = { ...f };
  if (nextFilters.status === "open") delete nextFilters.status;
  sessionStorage.setItem("queueFilters", JSON.stringify(nextFilters));
  const rooms = await api("GET", "/v1/rooms?kind=live");
  const opt = (vals, cur) => vals.map(([v, t]) => `<option value="${esc(v)}" ${v === (cur || "") ? "selected" : ""}>${esc(t)}</option>`).join("");
  const subs = state.taxonomy.filter((t) => !f.category || t.category === f.category);
  const v = view(`
    <div class="row" style="justify-content:space-between">
      <h1>审核队列 · Queue <span class="live-dot" id="dot" title="live updates"></span></h1>
      ${can("moderator") ? `<button class="primary" id="start">开始审核 Start reviewing <kbd>S</kbd></button>` : ""}
    </div>
    <form class="row filters card" id="filters">
      <label>直播间 Room<select name="room_id">${opt([["", "全部 all"], ...rooms.map((r) => [r.id, r.name || r.id])], f.room_id)}</select></label>
      <label>类别 Category<select name="category">${opt([["", "全部 all"], ...Object.entries(CAT)], f.category)}</select></label>
      <label>子类 Subtype<select name="subtype">${opt([["", "全部 all"], ...subs.map((t) => [t.subtype, title(t.category, t.subtype)])], f.subtype)}</select></label>
      <label>严重度 Severity<select name="severity">${opt([["", "全部 all"], ...Object.entries(SEV)], f.severity)}</select></label>
      <label>状态 Status<select name="status">${opt([["", "全部 all"], ...Object.entries(STATUS)], f.status)}</select></label>
      <span class="muted" id="count"></span>
    </form>
    <div class="card"><table>
      <thead><tr><th>时间 Time</th><th>直播间 Room</th><th>类型 Type</th><th>严重度</th><th>原话 What was said</th><th>状态 Status</th></tr></thead>
      <tbody id="rows"></tbody></table></div>`);
  v.querySelector("#filters").onchange = (e) => {
    const data = Object.fromEntries(new FormData(e.currentTarget));
    if (e.target.name === "category") data.subtype = "";
    // Every key stays in the URL, an empty status too: "all" differs from the default (pending).
    location.hash = "#/queue?" + new URLSearchParams(data).toString();
  };
  const seen = new Set();
  let first = true;
  async function load() {
    const page = await api("GET", "/v1/findings?" + qs({ ...f, kind: "live", limit: 200 }));
    v.querySelector("#count").textContent = `${page.total} 条 finding(s)`;
    v.querySelector("#rows").innerHTML = page.items.map((x) => `
      <tr class="item ${!first && !seen.has(x.id) ? "new" : ""}" data-id="${esc(x.id)}">
        <td class="tc">${fmt(x.start_ms)}</td><td>${esc(x.room_id)}</td>
        <td class="cat-${esc(x.category)}">${esc(title(x.category, x.subtype))}</td>
        <td>${badge("sev-" + x.severity, SEV[x.severity])}</td>
        <td>${highlight(x.text, x.span_start, x.span_end)}</td>
        <td>${badge("st-" + x.status, STATUS[x.status])}${x.claimed_by && x.claim_until && new Date(x.claim_until + (x.claim_until.endsWith("Z") || x.claim_until.includes("+") ? "" : "Z")) > new Date() ? `<br><span class="muted">🔒 ${esc(x.claimed_by)}</span>` : ""}</td>
      </tr>`).join("") || `<tr><td colspan="6" class="muted">队列为空 · nothing here</td></tr>`;
    page.items.forEach((x) => seen.add(x.id));
    first = false;
    v.querySelectorAll("tr.item").forEach((tr) => (tr.onclick = () => (location.hash = `#/finding/${encodeURIComponent(tr.dataset.id)}`)));
  }
  await load();
  let pending = null;
  live("/v1/events", () => { clearTimeout(pending); pending = setTimeout(load, 200); }, v.querySelector("#dot"));
  every(15000, load);  // claims and decisions by other moderators
  const start = async () => {
    const next = await api("POST", "/v1/queue/next?" + qs(nextFilters));
    if (!next) toast("没有待审的条目 · nothing waiting");
    else location.hash = `#/finding/${encodeURIComponent(next.id)}`;
  };
  const btn = v.querySelector("#start");
  if (btn) btn.onclick = start;
  document.onkeydown = (e) => {
    if (e.target.matches("input, textarea, select")) return;
    if (e.key === "s" && btn) { e.preventDefault(); start(); }
  };
}

// ---------- finding ----------
async function findingView(id) {
  let d = await api("GET", `/v1/findings/${encodeURIComponent(id)}`);
  const open = VOCAB.open.includes(d.status);
  let claimNote = "";
  let mayDecide = false;
  let decided = false;
  if (can("moderator") && open) {
    try {
      const c = await api("POST", `/v1/findings/${encodeURIComponent(id)}/claim`);
      mayDecide = true;
      claimNote = `已认领 claimed by you until ${when(c.claim_until)}`;
      const leaseMs = Math.max(5000, new Date(c.claim_until) - new Date());
      every(Math.max(5000, leaseMs / 3), () => api("POST", `/v1/findings/${encodeURIComponent(id)}/claim`).catch(() => {}));
      // Leaving undecided (another page, or closing the tab) gives the item back
      // at once rather than when the lease runs out.
      const url = `/v1/findings/${encodeURIComponent(id)}/claim`;
      state.leave.push(() => {
        if (!decided) fetch(url, { method: "DELETE", keepalive: true, credentials: "same-origin", headers: { "X-Livemod-Console": "1" } }).catch(() => {});
      });
      d = await api("GET", `/v1/findings/${encodeURIComponent(id)}`);
    } catch (e) { claimNote = `<span class="error">${esc(e.message)}</span>`; }
  }
  const offset = Math.max(0, (d.start_ms - (d.clip_start_ms ?? d.start_ms)) / 1000);
  const context = (d.context || []).filter((c) => c.start_ms < d.start_ms);
  const related = d.related || [];
  const canAppeal = VOCAB.decided.includes(d.status) && can("moderator", "operator", "mcn");
  const v = view(`
    <div class="row" style="justify-content:space-between">
      <h1><span class="cat-${esc(d.category)}">${esc(title(d.category, d.subtype))}</span>
        ${badge("sev-" + d.severity, SEV[d.severity])} ${badge("st-" + d.status, STATUS[d.status])}</h1>
      <div class="row"><a href="#/queue">← 队列 queue</a><a href="#/room/${encodeURIComponent(d.room_id)}">直播间 ${esc(d.room_name || d.room_id)}</a></div>
    </div>
    <div class="finding-grid">
      <div>
        <div class="card">
          <div class="row" style="justify-content:space-between">
            <span><b>证据片段 Evidence clip</b> · <span class="tc">${fmt(d.start_ms)}–${fmt(d.end_ms)}</span></span>
            <span class="muted"><kbd>P</kbd> 播放/暂停 play · <kbd>R</kbd> 从问题处重播 replay</span>
          </div>
          ${d.clip_url ? `<audio id="clip" controls preload="auto" src="${esc(new URL(d.clip_url).pathname)}"></audio>` : `<p class="muted">没有片段 · no clip was stored</p>`}
        </div>
        <h2>转写 · Transcript <span class="muted">(前 20 秒 · 20 s before)</span></h2>
        <div class="card transcript">
          ${context.map((c) => `<p><span class="tc">${fmt(c.start_ms)}</span>${esc(c.text)}</p>`).join("")}
          <p class="hit"><span class="tc">${fmt(d.start_ms)}</span>${highlight(d.text, d.span_start, d.span_end)}</p>
          ${related.length ? `<p class="muted">相关 Related:</p>` + related.map((c) => `<p><span class="tc">${fmt(c.start_ms)}</span>${esc(c.text)}</p>`).join("") : ""}
        </div>
        <h2>依据与建议 · Basis and rewording</h2>
        <div class="card"><dl class="facts">
          <dt>法律依据 Legal basis</dt><dd>${esc(d.legal_basis)}</dd>
          <dt>建议话术 Rewording</dt><dd class="suggest">${esc(d.suggestion)}</dd>
          <dt>触发 Trigger</dt><dd><mark>${esc(d.matched)}</mark></dd>
          <dt>来源 Produced by</dt><dd>${esc(d.source)} · 规则 rule <code>${esc(d.rule)}</code> · 分数 score ${Number(d.score).toFixed(2)}${d.model ? ` · 模型 model <code>${esc(d.model)}</code> ${d.model_score != null ? Number(d.model_score).toFixed(2) : ""}` : ""}</dd>
          <dt>直播间 Room</dt><dd>${esc(d.room_name || d.room_id)}${d.anchor ? ` · 主播 ${esc(d.anchor)}` : ""}</dd>
        </dl></div>
      </div>
      <div>
        ${can("moderator") ? `<div class="card decide">
          <b>处理 Decide</b> <span class="muted" id="claim">${claimNote}</span>
          <textarea id="reason" placeholder="理由 reason (Esc 后按快捷键 · press Esc, then a key; Alt+key works here)"></textarea>
          <div class="chips" id="chips"></div>
          <div class="buttons">
            <button data-act="confirm" ${mayDecide ? "" : "disabled"}>确认违规 Confirm <kbd>C</kbd></button>
            <button data-act="dismiss" ${mayDecide ? "" : "disabled"}>驳回 Dismiss <kbd>D</kbd></button>
            <button data-act="escalate" ${mayDecide ? "" : "disabled"}>升级 Escalate <kbd>E</kbd></button>
            <button id="skip">跳过 Skip <kbd>J</kbd></button>
          </div>
          <p class="muted">决定后自动进入下一条 · after a decision the next item opens. <kbd>1</kbd>–<kbd>4</kbd> 快捷理由 quick reasons</p>
        </div>` : ""}
        ${canAppeal ? `<div class="card decide" style="margin-top:12px">
          <b>申诉 Appeal</b> <span class="muted">交给另一位审核员复核 · goes to a different moderator</span>
          <textarea id="appeal-reason" placeholder="申诉理由 why the decision is wrong"></textarea>
          <div class="buttons"><button id="appeal">提交申诉 Appeal</button></div></div>` : ""}
        <h2>审核记录 · Audit trail</h2>
        <div class="card"><table><tbody id="trail">
          <tr><td class="tc">${when(d.created_at)}</td><td colspan="2">检出 detected (${esc(d.source)})</td></tr>
          ${d.history.map((h) => `<tr><td class="tc">${when(h.created_at)}</td>
            <td>${esc(ACTION[h.action] || h.action)}<br><span class="muted">${esc(h.reviewer)}${h.role ? " · " + esc(h.role) : ""}</span></td>
            <td>${h.from_status && h.to_status && h.from_status !== h.to_status ? `${esc(h.from_status)} → ${esc(h.to_status)}<br>` : ""}${esc(h.reason)}</td></tr>`).join("")}
        </tbody></table></div>
      </div>
    </div>`);

  const audio = v.querySelector("#clip");
  if (audio) {
    const seek = () => { try { audio.currentTime = Math.min(offset, audio.duration || offset); } catch (e) { /* not seekable yet */ } };
    audio.addEventListener("loadedmetadata", seek, { once: true });
    audio.dataset.offset = String(offset);
  }
  const reason = v.querySelector("#reason");
  let lastAct = "confirm";
  function chips(act) {
    const box = v.querySelector("#chips");
    if (!box) return;
    lastAct = act;
    box.innerHTML = REASONS[act].map((r, i) => `<button type="button" data-r="${esc(r)}"><kbd>${i + 1}</kbd> ${esc(r)}</button>`).join("");
    box.querySelectorAll("button").forEach((b) => (b.onclick = () => { reason.value = b.dataset.r; }));
  }
  chips("confirm");
  async function next() {
    const f = JSON.parse(sessionStorage.getItem("queueFilters") || "{}");
    const skip = JSON.parse(sessionStorage.getItem("skipped") || "[]");
    const n = await api("POST", "/v1/queue/next?" + qs({ ...f, exclude: skip }));
    if (n) location.hash = `#/finding/${encodeURIComponent(n.id)}`;
    else { toast("队列已处理完 · queue is empty"); location.hash = "#/queue"; }
  }
  async function decide(action) {
    if (!mayDecide) return;
    v.querySelectorAll("[data-act]").forEach((b) => (b.disabled = true));
    try {
      await api("POST", `/v1/findings/${encodeURIComponent(id)}/decisions`, { action, reason: reason.value.trim() });
      decided = true;
      toast(`${ACTION[action]} ✓`);
      sessionStorage.removeItem("skipped");
      await next();
    } catch (e) {
      toast(e.message);
      v.querySelectorAll("[data-act]").forEach((b) => (b.disabled = false));
    }
  }
  async function skip() {
    const skipped = JSON.parse(sessionStorage.getItem("skipped") || "[]");
    skipped.push(id);
    sessionStorage.setItem("skipped", JSON.stringify(skipped.slice(-50)));
    if (mayDecide) await api("DELETE", `/v1/findings/${encodeURIComponent(id)}/claim`).catch(() => {});
    decided = true;  // released above; nothing to give back on the way out
    await next();
  }
  v.querySelectorAll("[data-act]").forEach((b) => (b.onclick = () => decide(b.dataset.act)));
  const sk = v.querySelector("#skip");
  if (sk) sk.onclick = skip;
  const ap = v.querySelector("#appeal");
  if (ap) ap.onclick = async () => {
    try {
      await api("POST", `/v1/findings/${encodeURIComponent(id)}/appeals`, { reason: v.querySelector("#appeal-reason").value.trim() });
      toast("已提交申诉 · appeal filed"); route();
    } catch (e) { toast(e.message); }
  };
  const keys = { c: "confirm", d: "dismiss", e: "escalate" };
  document.onkeydown = (e) => {
    const typing = e.target.matches("input, textarea, select");
    if (typing && e.key === "Escape") { e.target.blur(); return; }
    if (typing && !e.altKey) return;
    const k = e.key.toLowerCase();
    if (e.ctrlKey || e.metaKey) return;
    if (keys[k] && can("moderator")) { e.preventDefault(); chips(keys[k]); decide(keys[k]); }
    else if (k === "j" || k === "n") { e.preventDefault(); skip(); }
    else if ((k === "p" || k === " ") && audio) { e.preventDefault(); audio.paused ? audio.play() : audio.pause(); }
    else if (k === "r" && audio) { e.preventDefault(); audio.currentTime = offset; audio.play(); }
    else if (/^[1-4]$/.test(k) && reason) { const r = REASONS[lastAct][Number(k) - 1]; if (r) reason.value = r; }
  };
}

// ---------- rooms ----------
function riskClass(r) { return r >= 70 ? "hi" : r >= 35 ? "mid" : "lo"; }
function meter(r) {
  const c = r >= 70 ? "var(--high)" : r >= 35 ? "var(--medium)" : "var(--ok)";
  return `<div class="meter"><div style="width:${r}%;background:${c}"></div></div>`;
}
async function roomsView() {
  const v = view(`<h1>直播间 · Rooms</h1><div class="card"><table><thead><tr>
    <th>直播间 Room</th><th>状态 Status</th><th>主播 Anchor</th><th>风险 Risk</th><th>问题 Findings</th><th>待审 Pending</th>
    </tr></thead><tbody id="rows"></tbody></table></div>`);
  async function load() {
    const rooms = await api("GET", "/v1/rooms");
    rooms.sort((a, b) => (b.status === "live") - (a.status === "live") || b.risk - a.risk);
    v.querySelector("#rows").innerHTML = rooms.map((r) => `<tr class="item" data-id="${esc(r.id)}">
      <td>${esc(r.name || r.id)} <span class="muted">${r.kind === "recording" ? "录播 recording" : ""}</span></td>
      <td>${badge(r.status === "live" ? "st-pending" : "st-dismissed", r.status)}</td><td>${esc(r.anchor || "")}</td>
      <td class="row">${meter(r.risk)} ${r.risk}</td><td>${r.finding_count}</td><td>${r.pending_count}</td></tr>`).join("")
      || `<tr><td colspan="6" class="muted">还没有直播间 · no rooms yet</td></tr>`;
    v.querySelectorAll("tr.item").forEach((tr) => (tr.onclick = () => (location.hash = `#/room/${encodeURIComponent(tr.dataset.id)}`)));
  }
  await load();
  every(10000, load);
}

function timelineSvg(t) {
  const W = 1000, left = 130, right = 10, lane = 30, top = 90, H = top + lane * 3 + 28;
  const end = Math.max(1, ...t.series.map((p) => p.at_ms), ...t.findings.map((f) => f.end_ms));
  const x = (ms) => left + ((W - left - right) * ms) / end;
  const cats = Object.keys(CAT);
  const colours = { false_advertising: "var(--fa)", unclear_pricing: "var(--up)", prohibited_product: "var(--pp)" };
  const y = (r) => top - 10 - (70 * r) / 100;
  let s = `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="timeline">`;
  s += `<text x="${left - 8}" y="${y(50)}" text-anchor="end">风险 risk</text>`;
  s += `<line x1="${left}" x2="${W - right}" y1="${y(0)}" y2="${y(0)}" stroke="#e5e7eb"/>`;
  s += `<polyline fill="none" stroke="#dc2626" stroke-width="2" points="${t.series.map((p) => `${x(p.at_ms).toFixed(1)},${y(p.risk).toFixed(1)}`).join(" ")}"/>`;
  cats.forEach((c, i) => {
    const yy = top + lane * i + lane / 2;
    s += `<text x="${left - 8}" y="${yy + 4}" text-anchor="end">${esc(CAT[c].split(" ")[0])}</text>`;
    s += `<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" stroke="#e5e7eb"/>`;
  });
  const step = [60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3].find((st) => end / st <= 12) || 7200e3;
  for (let ms = 0; ms <= end; ms += step) {
    s += `<text x="${x(ms)}" y="${H - 6}" text-anchor="middle">${fmt(ms)}</text>`;
  }
  t.findings.forEach((f) => {
    const yy = top + lane * cats.indexOf(f.category) + lane / 2;
    const r = { high: 7, medium: 5, low: 4 }[f.severity] || 4;
    const op = f.status === "dismissed" ? 0.25 : 0.8;
    s += `<a href="#/finding/${encodeURIComponent(f.id)}"><circle cx="${x(f.start_ms).toFixed(1)}" cy="${yy}" r="${r}" fill="${colours[f.category]}" fill-opacity="${op}"><title>${fmt(f.start_ms)} ${esc(title(f.category, f.subtype))}: ${esc(f.matched)}</title></circle></a>`;
  });
  return s + "</svg>";
}

async function roomView(id) {
  const v = view(`<div id="head"></div><div class="card" id="tl"></div><h2>问题 · Findings</h2>
    <div class="card"><table><tbody id="rows"></tbody></table></div>`);
  async function load() {
    const t = await api("GET", `/v1/rooms/${encodeURIComponent(id)}/timeline`);
    const r = t.room;
    v.querySelector("#head").innerHTML = `<div class="row" style="justify-content:space-between">
      <div><h1>${esc(r.name || r.id)} <span class="live-dot ${r.status === "live" ? "on" : ""}" id="dot"></span></h1>
      <p class="muted">${esc(r.status)} ${esc(r.status_detail || "")} · ${esc(r.source || "")}${r.anchor ? " · 主播 " + esc(r.anchor) : ""}
      ${r.gaps && r.gaps.length ? ` · 断流 ${r.gaps.length} gap(s)` : ""}</p></div>
      <div style="text-align:right"><div class="risk ${riskClass(r.risk)}" id="risk">${r.risk}</div>
      <div class="muted">风险分 risk score (0–100)</div></div></div>`;
    v.querySelector("#tl").innerHTML = timelineSvg(t);
    v.querySelector("#rows").innerHTML = t.findings.slice().reverse().map((f) => `<tr class="item" data-id="${esc(f.id)}">
      <td class="tc">${fmt(f.start_ms)}</td><td class="cat-${esc(f.category)}">${esc(title(f.category, f.subtype))}</td>
      <td>${badge("sev-" + f.severity, SEV[f.severity])}</td><td><mark>${esc(f.matched)}</mark></td>
      <td>${badge("st-" + f.status, STATUS[f.status])}</td></tr>`).join("") || `<tr><td class="muted">暂无 · none yet</td></tr>`;
    v.querySelectorAll("tr.item").forEach((tr) => (tr.onclick = () => (location.hash = `#/finding/${encodeURIComponent(tr.dataset.id)}`)));
  }
  await load();
  let pending = null;
  live(`/v1/rooms/${encodeURIComponent(id)}/events`, () => { clearTimeout(pending); pending = setTimeout(load, 200); });
  every(10000, load);  // the score fades as the room stays clean
}

// ---------- reports ----------
async function reportsView() {
  const anchors = await api("GET", "/v1/anchors");
  view(`<h1>训练报告 · Training reports</h1>
    <p class="muted">录播训练场次用 <code>livemod report RECORDING… --anchor NAME</code> 扫描后出现在这里。
    Sessions scanned with <code>livemod report</code> appear here.</p>
    <div class="card"><table><thead><tr><th>主播 Anchor</th><th>机构 Agency</th><th>场次 Sessions</th><th></th></tr></thead><tbody>
    ${anchors.map((a) => `<tr><td>${esc(a.display_name || a.name)}</td><td>${esc(a.agency)}</td><td>${a.sessions}</td>
      <td>${a.sessions ? `<a href="#/report/${encodeURIComponent(a.name)}">查看报告 open report</a>` : `<span class="muted">暂无场次 no sessions</span>`}</td></tr>`).join("")
      || `<tr><td colspan="4" class="muted">没有主播 · no anchors</td></tr>`}</tbody></table></div>`);
}
async function reportView(name) {
  const src = `/v1/anchors/${encodeURIComponent(name)}/report`;
  view(`<div class="row" style="justify-content:space-between"><h1>报告 · Report: ${esc(name)}</h1>
    <div class="row"><a href="#/reports">← 全部 all</a><a href="${src}" target="_blank" rel="noopener">新窗口打开 / 打印 open to print</a></div></div>
    <iframe class="report" title="report" src="${src}"></iframe>`);
}

// ---------- script check ----------
function checkView() {
  const v = view(`<h1>话术检查 · Script check</h1>
    <p class="muted">开播前逐行检查脚本，使用与直播相同的规则和模型。Check a sales script line by line before going live, with the same policy and classifier.</p>
    <div class="card"><textarea id="script" rows="10" style="width:100%" placeholder="每行一句 · one utterance per line"></textarea>
    <div class="row" style="margin-top:8px"><button class="primary" id="run">检查 Check</button><span class="muted" id="sum"></span></div></div>
    <div id="out"></div>`);
  v.querySelector("#run").onclick = async () => {
    const text = v.querySelector("#script").value;
    if (!text.trim()) return;
    v.querySelector("#sum").textContent = "检查中 checking…";
    try {
      const r = await api("POST", "/v1/check-script", { text });
      v.querySelector("#sum").textContent = `${r.lines} 行 lines · ${r.flagged.length} 行有问题 flagged`;
      v.querySelector("#out").innerHTML = r.flagged.length ? `<div class="card" style="margin-top:12px"><table>
        <thead><tr><th>行 Line</th><th>原文 Text</th><th>问题 Issue</th><th>建议 Rewording</th></tr></thead><tbody>
        ${r.flagged.map((ln) => ln.matches.map((m, i) => `<tr>
          ${i === 0 ? `<td rowspan="${ln.matches.length}">${ln.line}</td><td rowspan="${ln.matches.length}">${highlight(ln.text, m.start, m.end)}</td>` : ""}
          <td><span class="cat-${esc(m.category)}">${esc(title(m.category, m.subtype))}</span> ${badge("sev-" + m.severity, SEV[m.severity])}<br>
          <mark>${esc(m.matched)}</mark><br><span class="muted">${esc(m.legal_basis)}</span></td>
          <td class="suggest">${esc(m.suggestion)}</td></tr>`).join("")).join("")}</tbody></table></div>`
        : `<p class="card" style="margin-top:12px">没有发现问题 · nothing flagged.</p>`;
    } catch (e) { v.querySelector("#sum").textContent = e.message; }
  };
}

// ---------- admin ----------
async function adminView() {
  const [tokens, anchors, rooms] = await Promise.all([api("GET", "/v1/tokens"), api("GET", "/v1/anchors"), api("GET", "/v1/rooms")]);
  const v = view(`<h1>管理 · Admin</h1>
    <h2>令牌 · Tokens</h2><div class="card">
    <form class="row" id="mk"><select name="role">${VOCAB.roles.map((r) => `<option>${r}</option>`).join("")}</select>
      <input name="name" placeholder="名称 name"><input name="scope" placeholder="直播间或主播 rooms / anchors (a,b)">
      <button class="primary">创建 Create</button></form><div id="secret"></div>
    <table><thead><tr><th>#</th><th>角色 Role</th><th>名称 Name</th><th>范围 Scope</th><th>前缀</th><th>状态</th><th></th></tr></thead><tbody>
    ${tokens.map((t) => `<tr><td>${t.id}</td><td>${esc(t.role)}</td><td>${esc(t.name)}</td><td>${esc([...t.rooms, ...t.anchors].join(", ") || "*")}</td>
      <td class="tc">${esc(t.prefix)}…</td><td>${t.revoked_at ? "已撤销 revoked" : "有效 active"}</td>
      <td>${t.revoked_at ? "" : `<button data-revoke="${t.id}">撤销 Revoke</button>`}</td></tr>`).join("")}</tbody></table></div>
    <h2>主播 · Anchors</h2><div class="card">
    <form class="row" id="anchor"><input name="name" placeholder="主播 name" required><input name="agency" placeholder="机构 agency"><button>添加 Add</button></form>
    <table><tbody>${anchors.map((a) => `<tr><td>${esc(a.name)}</td><td>${esc(a.agency)}</td><td>${a.sessions} 场 sessions</td></tr>`).join("")}</tbody></table></div>
    <h2>直播间 · Rooms</h2><div class="card"><table><tbody>
    ${rooms.map((r) => `<tr><td>${esc(r.id)}</td><td>${esc(r.kind)}</td><td><select data-room="${esc(r.id)}"><option value="">—</option>
      ${anchors.map((a) => `<option ${a.name === r.anchor ? "selected" : ""}>${esc(a.name)}</option>`).join("")}</select></td></tr>`).join("")}
    </tbody></table></div>`);
  v.querySelector("#mk").onsubmit = async (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.target));
    const scope = f.scope.split(/[,，\s]+/).filter(Boolean);
    try {
      const t = await api("POST", "/v1/tokens", { role: f.role, name: f.name, rooms: f.role === "operator" ? scope : [], anchors: f.role === "mcn" ? scope : [] });
      v.querySelector("#secret").innerHTML = `<p>新令牌只显示这一次 · shown only now:</p><p class="secret">${esc(t.token)}</p>`;
    } catch (err) { toast(err.message); }
  };
  v.querySelectorAll("[data-revoke]").forEach((b) => (b.onclick = async () => { await api("DELETE", `/v1/tokens/${b.dataset.revoke}`); route(); }));
  v.querySelector("#anchor").onsubmit = async (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.target));
    try { await api("PUT", `/v1/anchors/${encodeURIComponent(f.name)}`, { agency: f.agency }); route(); } catch (err) { toast(err.message); }
  };
  v.querySelectorAll("[data-room]").forEach((s) => (s.onchange = async () => {
    try { await api("PUT", `/v1/rooms/${encodeURIComponent(s.dataset.room)}`, { anchor: s.value || null }); toast("已保存 saved"); } catch (err) { toast(err.message); }
  }));
}
