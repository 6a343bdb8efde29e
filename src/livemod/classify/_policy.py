"""The policy pack: what to flag, why, and what to say instead, as data.

It lives in ``prompts/policy/*.yaml`` (one file a category) so that compliance
staff can change a lexicon or a legal citation without touching code. This
module only loads and validates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from livemod.resources import shipped_path
from livemod.vocab import CATEGORIES, Severity

SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)


class PolicyError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Subtype:
    category: str
    name: str
    title: str
    legal_basis: str
    severity: str
    suggestion: str
    terms: tuple[str, ...] = ()
    sound_alike: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    exceptions: tuple[re.Pattern[str], ...] = ()
    unless: tuple[re.Pattern[str], ...] = ()
    negatable: bool = True

    @property
    def key(self) -> str:
        return f"{self.category}.{self.name}"


@dataclass(frozen=True, slots=True)
class Policy:
    subtypes: dict[str, Subtype]
    negation: re.Pattern[str]
    source: Path
    disavowal: re.Pattern[str] | None = None
    disavowal_window: int = 0
    version: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def subtype(self, category: str, name: str) -> Subtype:
        return self.subtypes[f"{category}.{name}"]


def default_policy_dir() -> Path:
    return shipped_path("prompts/policy")


def _compile(items: list[str], where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in items:
        try:
            out.append(re.compile(p))
        except re.error as exc:
            raise PolicyError(f"{where}: bad regular expression {p!r}: {exc}") from exc
    return tuple(out)


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PolicyError(f"{where}: expected a list of strings, got {type(value).__name__}")
    for v in value:
        if not isinstance(v, str):
            raise PolicyError(f"{where}: {v!r} is a {type(v).__name__}, not a string; quote it in the YAML")
    return value


def load_policy(directory: Path | None = None) -> Policy:
    directory = directory or default_policy_dir()
    common_path = directory / "_common.yaml"
    if not common_path.is_file():
        raise PolicyError(f"{directory}: no _common.yaml; is this a livemod policy pack?")
    common = yaml.safe_load(common_path.read_text(encoding="utf-8")) or {}
    cues = "|".join(_strings(common.get("negation_cues"), "_common.negation_cues"))
    prefixes = "|".join(_strings(common.get("negation_prefixes"), "_common.negation_prefixes"))
    negation = re.compile(
        f"(?:(?:{cues}).{{0,{int(common.get('negation_gap', 2))}}}"
        + (f"|(?:{prefixes})" if prefixes else "")
        + ")$"
    )
    disavowals = _strings(common.get("disavowal_cues"), "_common.disavowal_cues")
    disavowal = re.compile("|".join(map(re.escape, disavowals))) if disavowals else None
    subtypes: dict[str, Subtype] = {}
    for category in CATEGORIES:
        path = directory / f"{category}.yaml"
        if not path.is_file():
            raise PolicyError(f"{path}: missing; every category needs its file")
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if doc.get("category") != category:
            raise PolicyError(f"{path}: 'category' must be {category!r}")
        for name, spec in (doc.get("subtypes") or {}).items():
            where = f"{path.name}:{name}"
            for req in ("legal_basis", "severity", "suggestion", "title"):
                if not spec.get(req):
                    raise PolicyError(f"{where}: '{req}' is required")
            if spec["severity"] not in SEVERITIES:
                raise PolicyError(f"{where}: severity must be one of {SEVERITIES}")
            terms = tuple(_strings(spec.get("terms"), where + ".terms"))
            st = Subtype(
                category=category,
                name=name,
                title=spec["title"],
                legal_basis=spec["legal_basis"].strip(),
                severity=spec["severity"],
                suggestion=spec["suggestion"].strip(),
                terms=terms,
                # sound_alike: all -> every term of two or more Han characters is also
                # matched by its toned pinyin (the product names Whisper mishears).
                sound_alike=(
                    terms
                    if spec.get("sound_alike") == "all"
                    else tuple(_strings(spec.get("sound_alike"), where + ".sound_alike"))
                ),
                patterns=_compile(_strings(spec.get("patterns"), where), where + ".patterns"),
                exceptions=_compile(_strings(spec.get("exceptions"), where), where + ".exceptions"),
                unless=_compile(_strings(spec.get("unless"), where), where + ".unless"),
                negatable=bool(spec.get("negatable", True)),
            )
            if not (st.terms or st.patterns):
                raise PolicyError(f"{where}: needs terms or patterns")
            subtypes[st.key] = st
    return Policy(
        subtypes=subtypes,
        negation=negation,
        disavowal=disavowal,
        disavowal_window=int(common.get("disavowal_window", 0)),
        source=directory,
        version=str(common.get("version", "")),
        meta=common,
    )


__all__ = ["CATEGORIES", "Policy", "PolicyError", "Subtype", "default_policy_dir", "load_policy"]
