"""The MCN training report as one self-contained HTML page (inline CSS and SVG, no scripts).

The same page is written by ``livemod report`` and served to the mcn role by the
console, so that an agency sees one document whichever way it asks.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from livemod.report._data import ReportFinding, ReportSession
from livemod.text import fmt_ms
from livemod.vocab import CATEGORIES, LABELS, Category, Severity

CATEGORY_LABELS: dict[str, str] = {c: LABELS[c].replace(" ", " · ", 1) for c in Category}
CATEGORY_COLOURS = {
    "false_advertising": "#c2410c",
    "unclear_pricing": "#1d4ed8",
    "prohibited_product": "#7e22ce",
}
SEVERITY_LABELS: dict[str, str] = {s: LABELS[s] for s in Severity}
_SEVERITY_RADIUS = {"high": 7, "medium": 5, "low": 4}


_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def phrase_key(text: str) -> str:
    """How two quotes count as the same phrase: width, case, spaces and punctuation ignored."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).lower())


@dataclass(frozen=True, slots=True)
class Recurring:
    phrase: str
    count: int
    sessions: int
    subtype: str


def recurring_phrases(sessions: Sequence[ReportSession], min_count: int = 2) -> list[Recurring]:
    """Flagged phrases the anchor says again and again: what training should target first."""
    counts: Counter[str] = Counter()
    in_sessions: dict[str, set[str]] = {}
    shown: dict[str, str] = {}
    subtype: dict[str, str] = {}
    for s in sessions:
        for f in s.findings:
            key = phrase_key(f.matched)
            if not key:
                continue
            counts[key] += 1
            in_sessions.setdefault(key, set()).add(s.id)
            shown.setdefault(key, f.matched.strip())
            subtype.setdefault(key, f.subtype)
    return [
        Recurring(shown[k], n, len(in_sessions[k]), subtype[k])
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if n >= min_count
    ]


def _tick_step(duration_ms: int) -> int:
    for minutes in (1, 2, 5, 10, 15, 30, 60, 120):
        if duration_ms / (minutes * 60_000) <= 12:
            return minutes * 60_000
    return 240 * 60_000


def timeline_svg(session: ReportSession, titles: Mapping[str, str], width: int = 880) -> str:
    """Findings over the session: one lane per category, a dot per finding sized by severity."""
    left, right, lane, top = 150, 16, 34, 10
    duration = max(session.duration_ms, max((f.end_ms for f in session.findings), default=0), 1)
    plot = width - left - right
    height = top + lane * len(CATEGORIES) + 26

    def x(ms: int) -> float:
        return left + plot * ms / duration

    parts = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="findings over the session">'
    ]
    for i, cat in enumerate(CATEGORIES):
        y = top + lane * i + lane / 2
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.0f}" text-anchor="end" class="lane">'
            f"{escape(CATEGORY_LABELS[cat].split(' · ')[0])}</text>"
            f'<line x1="{left}" x2="{width - right}" y1="{y:.0f}" y2="{y:.0f}" class="lane-line"/>'
        )
    step = _tick_step(duration)
    axis_y = top + lane * len(CATEGORIES) + 4
    for t in range(0, duration + 1, step):
        parts.append(
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{axis_y}" class="tick"/>'
            f'<text x="{x(t):.1f}" y="{axis_y + 14}" text-anchor="middle" class="tick-label">'
            f"{fmt_ms(t)}</text>"
        )
    for f in sorted(session.findings, key=lambda f: f.start_ms):
        if f.category not in CATEGORIES:
            continue
        y = top + lane * CATEGORIES.index(f.category) + lane / 2
        title = f"{fmt_ms(f.start_ms)} {titles.get(f'{f.category}.{f.subtype}', f.subtype)}: {f.matched}"
        parts.append(
            f'<circle cx="{x(f.start_ms):.1f}" cy="{y:.0f}" r="{_SEVERITY_RADIUS.get(f.severity, 4)}" '
            f'fill="{CATEGORY_COLOURS[f.category]}" fill-opacity="0.75">'
            f"<title>{escape(title)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_svg(sessions: Sequence[ReportSession], width: int = 880) -> str:
    """Findings per hour of talk in each session, per category and in all."""
    left, right, top, bottom = 50, 16, 12, 58
    height = 260
    plot_w, plot_h = width - left - right, height - top - bottom
    series: dict[str, list[float]] = {"all": [s.per_hour() for s in sessions]}
    for cat in CATEGORIES:
        series[cat] = [
            (
                sum(f.category == cat for f in s.findings) / (s.duration_ms / 3_600_000)
                if s.duration_ms
                else 0.0
            )
            for s in sessions
        ]
    peak = max((v for vs in series.values() for v in vs), default=0.0) or 1.0
    n = len(sessions)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="findings per hour across sessions">'
    ]
    for k in range(5):
        v = peak * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="tick"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick-label">{v:.0f}</text>'
        )
    for i, s in enumerate(sessions):
        label = s.title if len(s.title) <= 18 else s.title[:17] + "…"
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" class="tick-label">'
            f"{escape(label)}</text>"
            f'<text x="{x(i):.1f}" y="{height - bottom + 30}" text-anchor="middle" class="tick-label">'
            f"{s.recorded_at:%m-%d}</text>"
        )
    colours = {"all": "#111827", **CATEGORY_COLOURS}
    for key, values in series.items():
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        width_px = 3 if key == "all" else 2
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{colours[key]}" stroke-width="{width_px}"/>'
        )
        for i, v in enumerate(values):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colours[key]}">'
                f"<title>{escape(key)}: {v:.1f}/h</title></circle>"
            )
    lx = left
    for key in series:
        label = "全部 all" if key == "all" else CATEGORY_LABELS[key].split(" · ")[0]
        parts.append(
            f'<rect x="{lx}" y="{height - 18}" width="12" height="4" fill="{colours[key]}"/>'
            f'<text x="{lx + 16}" y="{height - 13}" class="tick-label">{escape(label)}</text>'
        )
        lx += 110
    parts.append("</svg>")
    return "".join(parts)


def _quote(f: ReportFinding) -> str:
    a, b = f.span
    if not 0 <= a <= b <= len(f.text):
        return escape(f.text)
    return f"{escape(f.text[:a])}<mark>{escape(f.text[a:b])}</mark>{escape(f.text[b:])}"


def _counts_table(sessions: Sequence[ReportSession], titles: Mapping[str, str]) -> str:
    by_sub: Counter[tuple[str, str]] = Counter((f.category, f.subtype) for s in sessions for f in s.findings)
    if not by_sub:
        return '<p class="empty">没有发现问题 · no findings.</p>'
    rows = []
    for cat in CATEGORIES:
        subs = sorted(((sub, n) for (c, sub), n in by_sub.items() if c == cat), key=lambda kv: -kv[1])
        total = sum(n for _, n in subs)
        if not total:
            continue
        rows.append(
            f'<tr class="cat"><th colspan="2" style="color:{CATEGORY_COLOURS[cat]}">'
            f"{escape(CATEGORY_LABELS[cat])}</th><td>{total}</td></tr>"
        )
        for sub, n in subs:
            rows.append(
                f"<tr><td></td><td>{escape(titles.get(f'{cat}.{sub}', sub))} <code>{escape(sub)}</code></td>"
                f"<td>{n}</td></tr>"
            )
    return f'<table class="counts"><tbody>{"".join(rows)}</tbody></table>'


def _findings_list(session: ReportSession, titles: Mapping[str, str]) -> str:
    if not session.findings:
        return ""
    items = []
    for f in sorted(session.findings, key=lambda f: f.start_ms):
        title = titles.get(f"{f.category}.{f.subtype}", f.subtype)
        items.append(
            f'<li class="finding sev-{escape(f.severity)}">'
            f'<div class="meta"><span class="tc">{fmt_ms(f.start_ms)}</span> '
            f'<span class="cat" style="color:{CATEGORY_COLOURS.get(f.category, "#333")}">'
            f'{escape(title)}</span> <span class="sev">{escape(SEVERITY_LABELS.get(f.severity, f.severity))}'
            f'</span> <span class="src">{escape(f.source)} {f.score:.2f}</span></div>'
            f"<blockquote>{_quote(f)}</blockquote>"
            f'<div class="basis"><b>法律依据 legal basis</b> {escape(f.legal_basis)}</div>'
            f'<div class="fix"><b>建议话术 compliant wording</b> {escape(f.suggestion)}</div></li>'
        )
    return f'<ol class="findings">{"".join(items)}</ol>'


_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
 margin:0 auto;max-width:960px;padding:24px;color:#111827;line-height:1.5}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb}
h3{font-size:16px;margin:18px 0 6px}.sub{color:#6b7280;margin:0 0 16px}
.summary{display:flex;gap:12px;flex-wrap:wrap}
.summary div{background:#f3f4f6;border-radius:6px;padding:8px 14px}
.summary b{display:block;font-size:22px}
table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;vertical-align:top}
table.counts td:last-child,table.counts th+td{text-align:right;font-variant-numeric:tabular-nums}
table.sessions td,table.sessions th{border-bottom:1px solid #e5e7eb}
code{font-size:12px;color:#6b7280}
svg text{font-size:12px;fill:#374151}.lane-line{stroke:#d1d5db}.tick{stroke:#f3f4f6}
ol.findings{padding-left:0;list-style:none}li.finding{border-left:4px solid #9ca3af;padding:6px 12px;
 margin:10px 0;background:#fafafa;break-inside:avoid}li.sev-high{border-color:#dc2626}
li.sev-medium{border-color:#f59e0b}.tc{font-family:monospace;font-weight:bold}.sev,.src{color:#6b7280;
 font-size:13px}blockquote{margin:6px 0;font-size:16px}mark{background:#fde68a;padding:0 2px}
.basis,.fix{font-size:14px;margin:2px 0}.fix{color:#065f46}.empty{color:#6b7280}
@media print{body{padding:0}h2{break-after:avoid}}
"""


def render_report(
    anchor: str,
    sessions: Sequence[ReportSession],
    titles: Mapping[str, str],
    *,
    generated_at: datetime | None = None,
) -> str:
    """The whole report. ``titles`` maps ``category.subtype`` to its readable name."""
    generated_at = generated_at or datetime.now(UTC)
    total_ms = sum(s.duration_ms for s in sessions)
    total = sum(len(s.findings) for s in sessions)
    high = sum(f.severity == "high" for s in sessions for f in s.findings)
    per_hour = total / (total_ms / 3_600_000) if total_ms else 0.0
    out = [
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>livemod 训练报告 · {escape(anchor)}</title><style>{_CSS}</style></head><body>",
        f"<h1>主播合规训练报告 · Training report: {escape(anchor)}</h1>",
        f'<p class="sub">{len(sessions)} 场 session(s) · 生成于 generated {generated_at:%Y-%m-%d %H:%M} UTC'
        " · livemod</p>",
        '<div class="summary">',
        f"<div><b>{fmt_ms(total_ms)}</b>时长 talk time</div>",
        f"<div><b>{total}</b>问题 findings</div>",
        f"<div><b>{high}</b>高风险 high severity</div>",
        f"<div><b>{per_hour:.1f}</b>每小时 per hour</div>",
        "</div>",
        "<h2>按类别统计 · By category and subtype</h2>",
        _counts_table(sessions, titles),
    ]
    if len(sessions) > 1:
        ordered = sorted(sessions, key=lambda s: s.recorded_at)
        out += [
            "<h2>跨场次趋势 · Trend across sessions</h2>",
            '<p class="sub">每小时问题数 · findings per hour of talk</p>',
            trend_svg(ordered),
            '<table class="sessions"><thead><tr><th>场次 session</th><th>日期 date</th><th>时长 length</th>'
            + "".join(f"<th>{escape(CATEGORY_LABELS[c].split(' · ')[0])}</th>" for c in CATEGORIES)
            + "<th>每小时 /h</th></tr></thead><tbody>",
        ]
        for s in ordered:
            cells = "".join(f"<td>{sum(f.category == c for f in s.findings)}</td>" for c in CATEGORIES)
            out.append(
                f"<tr><td>{escape(s.title)}</td><td>{s.recorded_at:%Y-%m-%d}</td>"
                f"<td>{fmt_ms(s.duration_ms)}</td>{cells}<td>{s.per_hour():.1f}</td></tr>"
            )
        out.append("</tbody></table>")
    phrases = recurring_phrases(sessions)
    out.append("<h2>反复出现的说法 · Phrases that recur</h2>")
    if phrases:
        out.append(
            '<table class="sessions"><thead><tr><th>说法 phrase</th><th>类型 type</th><th>次数 times</th>'
            "<th>场次 sessions</th></tr></thead><tbody>"
        )
        for p in phrases:
            out.append(
                f"<tr><td><mark>{escape(p.phrase)}</mark></td><td>{escape(p.subtype)}</td>"
                f"<td>{p.count}</td><td>{p.sessions}</td></tr>"
            )
        out.append("</tbody></table>")
    else:
        out.append('<p class="empty">没有重复出现的问题说法 · no flagged phrase came up twice.</p>')
    for s in sessions:
        out += [
            f"<h2>{escape(s.title)}</h2>",
            f'<p class="sub">{s.recorded_at:%Y-%m-%d %H:%M} · {fmt_ms(s.duration_ms)} · '
            f"{len(s.findings)} 个问题 finding(s)</p>",
            "<h3>时间线 · Timeline</h3>",
            timeline_svg(s, titles),
            _findings_list(s, titles) or '<p class="empty">本场没有发现问题 · nothing flagged.</p>',
        ]
    out.append("</body></html>")
    return "\n".join(out)
