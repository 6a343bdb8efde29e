// livemod console: what every view shares (labels from the API, state, helpers, the API client).
// The session is an HttpOnly cookie set by POST /v1/session; every change
// sends the X-Livemod-Console header, which the API requires of cookie callers.

// The closed sets and their labels come from GET /v1/vocabulary (livemod/vocab.py), once.
export const CAT = {}, SEV = {}, STATUS = {}, ACTION = {};
export const VOCAB = { roles: [], open: [], decided: [] };
export async function loadVocabulary() {
  if (VOCAB.roles.length) return;
  const v = await api("GET", "/v1/vocabulary");
  const fill = (into, items) => items.forEach((i) => { into[i.value] = i.label; });
  fill(CAT, v.categories); fill(SEV, v.severities); fill(STATUS, v.statuses); fill(ACTION, v.audit_actions);
  STATUS.open = v.open_label;
  VOCAB.roles = v.roles; VOCAB.open = v.open_statuses; VOCAB.decided = v.decided_statuses;
}
export const REASONS = {
  confirm: ["属实，原话违规", "价格表述不清", "疗效宣传", "违禁品"],
  dismiss: ["误识别（ASR 听错）", "否定语境", "合规表述", "重复"],
  escalate: ["需要法务判断", "需要核实价格记录"],
};

export const state = { me: null, taxonomy: [], titles: {}, sources: [], timers: [], leave: [] };

// ---------- helpers ----------
export function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
export function fmt(ms) {
  const s = Math.floor((ms || 0) / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = String(m).padStart(2, "0"), ss = String(r).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso.endsWith("Z") || iso.includes("+") ? iso : iso + "Z");
  return d.toLocaleString("zh-CN", { hour12: false });
}
export function highlight(text, a, b) {
  if (!(a >= 0 && b >= a && b <= text.length)) return esc(text);
  return esc(text.slice(0, a)) + "<mark>" + esc(text.slice(a, b)) + "</mark>" + esc(text.slice(b));
}
export function title(cat, sub) { return state.titles[`${cat}.${sub}`] || sub; }
export function badge(cls, text) { return `<span class="badge ${cls}">${esc(text)}</span>`; }
export function toast(msg) {
  const t = document.getElementById("toast");
  t.textContent = msg; t.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(() => (t.hidden = true), 3500);
}
export function can(...roles) { return state.me && (state.me.role === "admin" || roles.includes(state.me.role)); }

export class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}
export async function api(method, path, body) {
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
export function cleanup() {
  state.sources.forEach((s) => s.close()); state.sources = [];
  state.timers.forEach((t) => clearInterval(t)); state.timers = [];
  state.leave.forEach((fn) => fn()); state.leave = [];
  document.onkeydown = null;
}
export function live(path, onEvent, dot) {
  const es = new EventSource(path);
  es.addEventListener("finding", (e) => onEvent(JSON.parse(e.data)));
  es.onopen = () => dot && dot.classList.add("on");
  es.onerror = () => dot && dot.classList.remove("on");  // EventSource reconnects with Last-Event-ID
  state.sources.push(es);
  return es;
}
export function every(ms, fn) { state.timers.push(setInterval(fn, ms)); }
export function view(html) { const v = document.getElementById("view"); v.innerHTML = html; return v; }
export function qs(obj) {
  const u = new URLSearchParams();
  Object.entries(obj).forEach(([k, v]) => { if (Array.isArray(v)) v.forEach((x) => u.append(k, x)); else if (v) u.set(k, v); });
  return u.toString();
}

export function params() {
  const q = location.hash.split("?")[1] || "";
  return Object.fromEntries(new URLSearchParams(q));
}


export async function ensureMe() {
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


// Render the current page again (after a change), through the router in app.js.
export function rerender() { window.dispatchEvent(new HashChangeEvent("hashchange")); }
