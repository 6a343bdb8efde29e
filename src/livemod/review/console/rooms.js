// livemod console: the rooms view(s).
import { CAT, SEV, STATUS, api, badge, esc, every, fmt, live, title, view } from "./lib.js";

function riskClass(r) { return r >= 70 ? "hi" : r >= 35 ? "mid" : "lo"; }
function meter(r) {
  const c = r >= 70 ? "var(--high)" : r >= 35 ? "var(--medium)" : "var(--ok)";
  return `<div class="meter"><div style="width:${r}%;background:${c}"></div></div>`;
}
export async function roomsView() {
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

export async function roomView(id) {
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
