from livemod.frames import ContextLine, Finding, Transcript, Word, ms_to_samples, samples_to_ms


def test_time_comes_from_samples() -> None:
    assert samples_to_ms(16_000) == 1000
    assert samples_to_ms(ms_to_samples(12_345)) == 12_345


def test_span_ms_covers_only_the_trigger_words() -> None:
    words = (
        Word("这款", 1000, 1400),
        Word("茶", 1400, 1600),
        Word("能", 1600, 1800),
        Word("降血糖", 1800, 2600),
        Word("哦", 2600, 2900),
    )
    t = Transcript("r", 0, 900, 3000, "".join(w.text for w in words), words)
    start = t.text.index("降血糖")
    assert t.span_ms(start, start + 3) == (1800, 2600)


def test_the_workers_payloads_are_what_the_api_accepts() -> None:
    # Every field set, so that a field added on one side only fails here (the API forbids extras).
    from livemod.ledger import PriceClaim
    from livemod.review._schemas import FindingCreate, PriceClaimCreate
    from livemod.vocab import FindingSource

    line = ContextLine(1000, 2000, "原价三百九十九")
    finding = Finding(
        id="r-7", room_id="r", seq=7, start_ms=3000, end_ms=4500, category="unclear_pricing",
        subtype="fake_original_price", severity="high", text="原价三百九十九今天六十九", span=(0, 7),
        matched="原价三百九十九", legal_basis="《明码标价和禁止价格欺诈规定》第十九条", rule="ledger:ratio",
        suggestion="说明原价依据", source=FindingSource.LEDGER, score=0.9, segment_start_ms=2900,
        segment_end_ms=4600, context=(line,), clip_path="/tmp/x.opus", model="e5-small+livemod-corpus",
        model_score=0.97, related=(line,), heard_at=1_700_000_000.0,
    )  # fmt: skip
    posted = FindingCreate.model_validate(finding.to_dict())
    assert posted.id == "r-7" and posted.source == "ledger" and posted.related[0].text == line.text
    assert posted.spoken_at is not None

    claim = PriceClaim(
        id="r-p1", room_id="r", seq=1, start_ms=3000, end_ms=4500, kind="reference", label="原价",
        amount=399.0, item=None, text="原价三百九十九", span=(0, 7), conditions_stated=False,
    )  # fmt: skip
    assert PriceClaimCreate.model_validate(claim.to_dict()).amount == 399.0
