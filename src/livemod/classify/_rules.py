"""The rules engine: one pass of Aho-Corasick automata, then the policy's regexes.

Lexicon terms from every subtype go into one automaton over canonical text and
two over its pinyin (see :mod:`livemod.text.pinyin`), so the cost of a lookup does not
grow with the size of the lexicon. Structural claims that a word list cannot
express ("原价399 ... 今天69") are the policy's regular expressions, matched on
the characters and again on how the text sounds (see :mod:`._sound`), so that
Whisper's homophones do not slip past them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from livemod.classify import _sound
from livemod.classify._policy import Policy, Subtype, load_policy
from livemod.text import Normalized, normalize
from livemod.text import pinyin as _pinyin
from livemod.vocab import FindingSource

SCORE_EXACT = 1.0
SCORE_TONED = 0.9
SCORE_FUZZY = 0.8
SCORE_SOUND = 0.8
_FUZZY_MIN_HAN = 3
_NEGATION_LOOKBACK = 8


@dataclass(frozen=True, slots=True)
class Match:
    """One suspected violation inside one utterance; offsets are into the original text."""

    category: str
    subtype: str
    start: int
    end: int
    matched: str
    rule: str
    severity: str
    legal_basis: str
    suggestion: str
    score: float = SCORE_EXACT
    source: FindingSource = FindingSource.RULES
    model: str | None = None
    model_score: float | None = None
    # The phrases merged into this match, as original-text spans in order; empty
    # means start..end is one phrase. A live room uses them to report a phrase
    # that its early windows missed beside one they already sent.
    parts: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The match as ``livemod classify`` and ``check-script --json`` print it."""
        return {
            "category": self.category,
            "subtype": self.subtype,
            "span": [self.start, self.end],
            "matched": self.matched,
            "severity": self.severity,
            "legal_basis": self.legal_basis,
            "rule": self.rule,
            "suggestion": self.suggestion,
            "score": self.score,
            "source": self.source,
            "model": self.model,
            "model_score": self.model_score,
        }


def _union(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Hit:
    subtype: str
    start: int  # canonical offsets
    end: int
    rule: str
    score: float


@dataclass(frozen=True, slots=True)
class _SoundGuards:
    exceptions: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]


def _loose_all(patterns: Iterable[re.Pattern[str]]) -> tuple[re.Pattern[str], ...]:
    return tuple(sp for p in patterns if (sp := _sound.compile_sound(p, loose=True)))


def _han_count(s: str) -> int:
    return sum(1 for c in s if "\u3400" <= c <= "\u9fff")


def _closes(cue_start: int, cue_end: int, hit_start: int, hit_end: int) -> bool:
    """Whether a disavowal cue is the last words of the hit itself.

    Then the pattern matched the refusal as the violation ("价格太便宜了不能说"
    withholds the price) and the cue excuses nothing. A cue anywhere else, even
    inside a wide match ("扣1的别信私信你的骗子"), is still a warning.
    """
    return hit_start <= cue_start and cue_end == hit_end


class RuleEngine:
    """Classifies utterances with a :class:`Policy`; safe to share between threads."""

    name = "rules"

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or load_policy()
        self._chars = ahocorasick.Automaton()
        self._fuzzy = ahocorasick.Automaton()
        self._toned = ahocorasick.Automaton()
        entries: dict[str, list[tuple[str, str]]] = defaultdict(list)
        fuzzy: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        toned: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        for st in self.policy.subtypes.values():
            for term in st.terms:
                canon = normalize(term).text
                if not canon:
                    continue
                entries[canon].append((st.key, term))
                if _han_count(canon) >= _FUZZY_MIN_HAN:
                    fuzzy[_pinyin.key(canon, "fuzzy")].append((st.key, term, len(canon)))
            for term in st.sound_alike:
                canon = normalize(term).text
                # One syllable, or Latin letters, has too many sound-alikes to match on.
                if _han_count(canon) < 2 or _han_count(canon) != len(canon):
                    continue
                toned[_pinyin.key(canon, "toned")].append((st.key, term, len(canon)))
        for k, v in entries.items():
            self._chars.add_word(k, (len(k), v))
        for k, w in fuzzy.items():
            self._fuzzy.add_word(k, (len(k), w))
        for k, w in toned.items():
            self._toned.add_word(k, (len(k), w))
        for a in (self._chars, self._fuzzy, self._toned):
            if len(a):
                a.make_automaton()
        # The patterns once more, over the text as it sounds (see :mod:`._sound`).
        # Guards heard loosely excuse any hit that rests on sound rather than characters.
        self._sound: dict[str, tuple[tuple[int, re.Pattern[str]], ...]] = {}
        self._sound_guards: dict[str, _SoundGuards] = {}
        for st in self.policy.subtypes.values():
            pats = tuple((i, sp) for i, p in enumerate(st.patterns) if (sp := _sound.compile_sound(p)))
            if pats:
                self._sound[st.key] = pats
            self._sound_guards[st.key] = _SoundGuards(_loose_all(st.exceptions), _loose_all(st.unless))
        self._sound_negation = _sound.compile_sound(self.policy.negation, loose=True)
        self._sound_disavowal = (
            _sound.compile_sound(self.policy.disavowal, loose=True) if self.policy.disavowal else None
        )

    def classify(self, text: str) -> list[Match]:
        norm = normalize(text)
        if not norm.text:
            return []
        hits = list(self._lexicon_hits(norm.text))
        hits += self._pinyin_hits(norm.text, "fuzzy", self._fuzzy, SCORE_FUZZY)
        hits += self._pinyin_hits(norm.text, "toned", self._toned, SCORE_TONED)
        hits += self._pattern_hits(norm.text)
        sound = _sound.SoundText.of(norm.text)
        hits += self._sound_hits(sound)
        kept = [h for h in hits if not self._excused(h, norm.text, sound)]
        return self._merge(kept, norm)

    def classify_many(self, texts: Iterable[str]) -> list[list[Match]]:
        return [self.classify(t) for t in texts]

    def _lexicon_hits(self, text: str) -> Iterable[_Hit]:
        if not len(self._chars):
            return
        for end, (length, entries) in self._chars.iter(text):
            for key, term in entries:
                yield _Hit(key, end - length + 1, end + 1, f"{key}:term:{term}", SCORE_EXACT)

    def _pinyin_hits(
        self, text: str, style: str, automaton: ahocorasick.Automaton, score: float
    ) -> list[_Hit]:
        if not len(automaton):
            return []
        keyed = _pinyin.key(text, style)
        starts = {s: i for i, s in enumerate(_pinyin.char_starts(text, style))}
        out = []
        for end, (length, entries) in automaton.iter(keyed):
            first = starts.get(end - length + 2)
            if first is None:
                continue
            for key, term, n_chars in entries:
                out.append(_Hit(key, first, first + n_chars, f"{key}:{style}-pinyin:{term}", score))
        return out

    def _pattern_hits(self, text: str) -> list[_Hit]:
        out = []
        for st in self.policy.subtypes.values():
            for i, pat in enumerate(st.patterns):
                for m in pat.finditer(text):
                    if m.end() > m.start():
                        out.append(_Hit(st.key, m.start(), m.end(), f"{st.key}:pattern:{i}", SCORE_EXACT))
        return out

    def _sound_hits(self, sound: _sound.SoundText) -> list[_Hit]:
        out = []
        for key, pats in self._sound.items():
            for i, pat in pats:
                for s, e in sound.finditer(pat):
                    out.append(_Hit(key, s, e, f"{key}:sound-pattern:{i}", SCORE_SOUND))
        return out

    def _excused(self, hit: _Hit, text: str, sound: _sound.SoundText) -> bool:
        if hit.score < SCORE_EXACT and self._excused_by_sound(hit, sound):
            return True
        st = self.policy.subtypes[hit.subtype]
        if any(p.search(text) for p in st.unless):
            return True
        for p in st.exceptions:
            for m in p.finditer(text):
                if m.start() < hit.end and hit.start < m.end():
                    return True
        # A warning or a refusal around the hit excuses even subtypes whose own
        # terms carry a negation ("没有副作用"), so this is not tied to negatable.
        if self.policy.disavowal is not None:
            w = self.policy.disavowal_window
            for m in self.policy.disavowal.finditer(text, max(0, hit.start - w), hit.end + w):
                if not _closes(m.start(), m.end(), hit.start, hit.end):
                    return True
        if st.negatable:
            before = text[max(0, hit.start - _NEGATION_LOOKBACK) : hit.start]
            if self.policy.negation.search(before):
                return True
        return False

    def _excused_by_sound(self, hit: _Hit, sound: _sound.SoundText) -> bool:
        # A hit found by sound is also excused by a guard heard the same way:
        # "部是最好" must not escape the negation that "不是最好" meets, nor
        # 橡牙白 the exception that 象牙白 (a colour) has.
        guards = self._sound_guards[hit.subtype]
        if any(p.search(sound.sound) for p in guards.unless):
            return True
        for p in guards.exceptions:
            for s, e in sound.finditer(p):
                if s < hit.end and hit.start < e:
                    return True
        if self._sound_disavowal is not None:
            w = self.policy.disavowal_window
            lo, hi = sound.to_sound(max(0, hit.start - w)), sound.to_sound(hit.end + w)
            start, end = sound.to_sound(hit.start), sound.to_sound(hit.end)
            for m in self._sound_disavowal.finditer(sound.sound, lo, hi):
                if not _closes(m.start(), m.end(), start, end):
                    return True
        if self.policy.subtypes[hit.subtype].negatable and self._sound_negation is not None:
            lo, hi = sound.to_sound(max(0, hit.start - _NEGATION_LOOKBACK)), sound.to_sound(hit.start)
            if self._sound_negation.search(sound.sound[lo:hi]):
                return True
        return False

    def _merge(self, hits: list[_Hit], norm: Normalized) -> list[Match]:
        by_subtype: dict[str, list[_Hit]] = defaultdict(list)
        for h in hits:
            by_subtype[h.subtype].append(h)
        out: list[Match] = []
        for key, group in by_subtype.items():
            st: Subtype = self.policy.subtypes[key]
            # One finding per subtype and utterance: a moderator decides the
            # claim once, however many of its phrases the anchor used.
            group.sort(key=lambda h: (h.start, -h.end))
            a = min(h.start for h in group)
            b = max(h.end for h in group)
            best = max(group, key=lambda h: (h.score, h.end - h.start))
            pieces: list[str] = []
            spans: list[tuple[int, int]] = []
            for h in group:
                s, e = norm.original_span(h.start, h.end)
                spans.append((s, e))
                piece = norm.original[s:e]
                if not any(piece in p for p in pieces):
                    pieces = [p for p in pieces if p not in piece] + [piece]
            s, e = norm.original_span(a, b)
            out.append(
                Match(
                    category=st.category,
                    subtype=st.name,
                    start=s,
                    end=e,
                    matched=" … ".join(pieces),
                    rule=best.rule,
                    severity=st.severity,
                    legal_basis=st.legal_basis,
                    suggestion=st.suggestion,
                    score=best.score,
                    parts=_union(spans),
                )
            )
        out.sort(key=lambda m: (m.start, m.category, m.subtype))
        return out


__all__ = ["Match", "RuleEngine"]
