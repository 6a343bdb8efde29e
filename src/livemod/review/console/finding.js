// livemod console: the finding view(s).
import { qs, ACTION, REASONS, SEV, STATUS, VOCAB, api, badge, can, esc, every, fmt, highlight, rerender, state, title, toast, view, when } from "./lib.js";

export async function findingView(id) {
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
      toast("已提交申诉 · appeal filed"); rerender();
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
