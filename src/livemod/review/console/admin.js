// livemod console: the admin view(s).
import { VOCAB, api, esc, rerender, toast, view } from "./lib.js";

export async function adminView() {
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
  v.querySelectorAll("[data-revoke]").forEach((b) => (b.onclick = async () => { await api("DELETE", `/v1/tokens/${b.dataset.revoke}`); rerender(); }));
  v.querySelector("#anchor").onsubmit = async (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.target));
    try { await api("PUT", `/v1/anchors/${encodeURIComponent(f.name)}`, { agency: f.agency }); rerender(); } catch (err) { toast(err.message); }
  };
  v.querySelectorAll("[data-room]").forEach((s) => (s.onchange = async () => {
    try { await api("PUT", `/v1/rooms/${encodeURIComponent(s.dataset.room)}`, { anchor: s.value || null }); toast("已保存 saved"); } catch (err) { toast(err.message); }
  }));
}
