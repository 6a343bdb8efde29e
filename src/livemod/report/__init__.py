"""MCN training reports and the pre-live script check."""

from livemod.report._data import ReportFinding, ReportSession
from livemod.report._pdf import PdfError, find_browser, html_to_pdf
from livemod.report._render import Recurring, recurring_phrases, render_report
from livemod.report._script import ScriptLine, check_script
from livemod.report._store import ensure_anchor, load_sessions, recording_id, store_recording

__all__ = [
    "PdfError",
    "Recurring",
    "ReportFinding",
    "ReportSession",
    "ScriptLine",
    "check_script",
    "ensure_anchor",
    "find_browser",
    "html_to_pdf",
    "load_sessions",
    "recording_id",
    "recurring_phrases",
    "render_report",
    "store_recording",
]
