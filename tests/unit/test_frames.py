from livemod.frames import Transcript, Word, ms_to_samples, samples_to_ms


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
