// livemod console: the reports view(s).
import { SEV, api, badge, esc, highlight, live, title, view } from "./lib.js";

export async function reportsView() {
  const anchors = await api("GET", "/v1/anchors");
  view(`<h1>训练报告 · Training reports</h1>
    <p class="muted">录播训练场次用 <code>livemod report RECORDING… --anchor NAME</code> 扫描后出现在这里。
    Sessions scanned with <code>livemod report</code> appear here.</p>
    <div class="card"><table><thead><tr><th>主播 Anchor</th><th>机构 Agency</th><th>场次 Sessions</th><th></th></tr></thead><tbody>
    ${anchors.map((a) => `<tr><td>${esc(a.display_name || a.name)}</td><td>${esc(a.agency)}</td><td>${a.sessions}</td>
      <td>${a.sessions ? `<a href="#/report/${encodeURIComponent(a.name)}">查看报告 open report</a>` : `<span class="muted">暂无场次 no sessions</span>`}</td></tr>`).join("")
      || `<tr><td colspan="4" class="muted">没有主播 · no anchors</td></tr>`}</tbody></table></div>`);
}
export async function reportView(name) {
  const src = `/v1/anchors/${encodeURIComponent(name)}/report`;
  view(`<div class="row" style="justify-content:space-between"><h1>报告 · Report: ${esc(name)}</h1>
    <div class="row"><a href="#/reports">← 全部 all</a><a href="${src}" target="_blank" rel="noopener">新窗口打开 / 打印 open to print</a></div></div>
    <iframe class="report" title="report" src="${src}"></iframe>`);
}

export function checkView() {
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
