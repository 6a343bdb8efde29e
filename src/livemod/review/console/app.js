// livemod console: plain JavaScript modules over the review API, no build step.
// The session is an HttpOnly cookie set by POST /v1/session; every change
// sends the X-Livemod-Console header, which the API requires of cookie callers.
import { api, can, cleanup, ensureMe, esc, state, view } from "./lib.js";
import { loginView } from "./login.js";
import { queueView } from "./queue.js";
import { findingView } from "./finding.js";
import { roomsView, roomView } from "./rooms.js";
import { reportsView, reportView, checkView } from "./reports.js";
import { adminView } from "./admin.js";

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
