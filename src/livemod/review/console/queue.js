// livemod console: the queue view(s).
import { qs, CAT, SEV, STATUS, api, badge, can, esc, every, fmt, highlight, live, params, state, title, toast, view } from "./lib.js";

const FILTERS = ["room_id", "category", "subtype", "severity", "status"];
function queueFilters() {
  const p = params();
  const f = {};
  FILTERS.forEach((k) => { if (p[k]) f[k] = p[k]; });
  if (!("status" in p) && can("moderator")) f.status = "open";
  return f;
}
export async function queueView() {
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
