from __future__ import annotations

import pytest

from livemod.worker import RoomSpec, parse_room_specs


def test_room_specs_from_options_and_files() -> None:
    lines = [
        "r1=rtmp://127.0.0.1/live/a",
        "# a comment line",
        "",
        "r2 http://cdn.example/live.m3u8?t=1#frag   # the second room",
    ]
    assert list(parse_room_specs(lines, realtime=True)) == [
        RoomSpec("r1", "rtmp://127.0.0.1/live/a", True),
        RoomSpec("r2", "http://cdn.example/live.m3u8?t=1#frag", True),
    ]


@pytest.mark.parametrize("bad", ["r1=", "=rtmp://x/y", "justaroom"])
def test_a_room_without_a_source_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="ROOM=URL"):
        list(parse_room_specs([bad]))
