"""ffmpeg as the one decoder for every source: files, HLS, RTMP, HTTP-FLV."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import ffmpeg
import numpy as np

from livemod.frames import SAMPLE_RATE, PcmChunk

log = logging.getLogger(__name__)

_NETWORK = re.compile(r"^(https?|rtmps?|rtsp|srt|udp|tcp)://", re.I)
_DAMAGE = re.compile(
    r"Error during demuxing|Invalid data found|Error while decoding|CRC mismatch|corrupt", re.I
)
_CHUNK_SAMPLES = SAMPLE_RATE // 10  # 100 ms: small enough to keep live latency low


class SourceError(RuntimeError):
    """The source could not be decoded; the message says why in plain words."""


@lru_cache(maxsize=1)
def ffmpeg_binary() -> str:
    """Debian's ffmpeg when it is on PATH, else the binary shipped in imageio-ffmpeg."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise SourceError("ffmpeg is not on PATH and imageio-ffmpeg is not installed") from exc
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def is_network(source: str) -> bool:
    return bool(_NETWORK.match(source))


def _explain(source: str, stderr: str, returncode: int) -> str:
    """Turn ffmpeg's stderr into one sentence a person can act on."""
    low = stderr.lower()
    if "matches no streams" in low or "does not contain any stream" in low:
        return f"{source}: has no audio stream (is it a video without sound?)"
    if "no such file or directory" in low:
        return f"{source}: no such file"
    if "connection refused" in low:
        return f"{source}: connection refused (is the stream server running?)"
    if "timed out" in low or "timeout" in low:
        return f"{source}: the stream did not answer in time"
    if "server returned 404" in low or "404 not found" in low:
        return f"{source}: the server says 404, no such stream"
    if "invalid data found" in low or "could not find codec" in low or "moov atom not found" in low:
        return f"{source}: not a media file ffmpeg can decode, or it is corrupt"
    if "failed to resolve" in low or "name or service not known" in low:
        return f"{source}: the host name does not resolve"
    last = [ln for ln in stderr.strip().splitlines() if ln.strip()][-3:]
    detail = " / ".join(last) if last else "no message"
    return f"{source}: ffmpeg failed (exit {returncode}): {detail}"


def probe_duration_ms(source: str) -> int | None:
    """Duration of a file, from ffmpeg's header dump; None for live sources or unknown."""
    if is_network(source) or not Path(source).is_file():
        return None
    proc = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-i", source],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    m = re.search(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)", proc.stderr)
    if not m:
        return None
    h, mnt, s = int(m.group(1)), int(m.group(2)), float(m.group(3))
    return round((h * 3600 + mnt * 60 + s) * 1000)


class FfmpegSource:
    """Stream 16 kHz mono float32 PCM from ``source`` as ffmpeg decodes it.

    The input is never held whole in memory: ffmpeg writes raw samples to a pipe
    and :meth:`chunks` yields them about 100 ms at a time. ``realtime`` paces a
    file at its native rate (ffmpeg ``-re``), as if it were live.
    """

    def __init__(
        self,
        source: str,
        room_id: str = "local",
        *,
        realtime: bool = False,
        timeout_s: float = 15.0,
        start_sample: int = 0,
        duration_ms: int | None = None,
    ) -> None:
        if not is_network(source) and not Path(source).exists():
            raise SourceError(f"{source}: no such file")
        self.source = source
        self.room_id = room_id
        self.realtime = realtime
        self.timeout_s = timeout_s
        self.samples_read = start_sample
        self.duration_ms = duration_ms
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: deque[str] = deque(maxlen=40)
        self._closed = False
        self._interrupted = False

    def _command(self) -> list[str]:
        in_opts: dict[str, object] = {}
        if self.realtime:
            in_opts["re"] = None
        if self.duration_ms is not None:
            in_opts["t"] = f"{self.duration_ms / 1000:.3f}"
        if is_network(self.source):
            # rw_timeout is in microseconds and covers every network protocol
            # ffmpeg speaks, so a dead URL fails instead of hanging forever.
            in_opts["rw_timeout"] = int(self.timeout_s * 1_000_000)
            # ffmpeg probes 5 s of a live stream before it writes a sample; an
            # audio-only room needs far less, and every second here is latency.
            in_opts["analyzeduration"] = 1_000_000
            in_opts["probesize"] = 65_536
        stream = ffmpeg.input(self.source, **in_opts).output(
            "pipe:",
            format="s16le",
            acodec="pcm_s16le",
            ac=1,
            ar=SAMPLE_RATE,
            map="0:a:0",
        )
        cmd: list[str] = stream.global_args("-hide_banner", "-nostdin", "-loglevel", "error").compile(
            cmd=ffmpeg_binary()
        )
        return cmd

    def _drain_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for raw in self._proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self._stderr.append(line)
                log.debug("ffmpeg: %s", line)

    def chunks(self) -> Iterator[PcmChunk]:
        cmd = self._command()
        log.info("decoding %s%s", self.source, " (paced as live)" if self.realtime else "")
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        drain = threading.Thread(target=self._drain_stderr, name="ffmpeg-stderr", daemon=True)
        drain.start()
        # Popen(stdout=PIPE) with default buffering is a BufferedReader; typeshed says IO[bytes].
        stdout = self._proc.stdout
        assert isinstance(stdout, io.BufferedReader)
        bytes_per_chunk = _CHUNK_SAMPLES * 2
        pending = b""
        try:
            while True:
                # read1 returns what the pipe holds now, so a live stream is not
                # held back waiting for a full chunk.
                data = stdout.read1(bytes_per_chunk)
                if not data or self._interrupted:
                    # After close() ffmpeg flushes what it still held; a caller
                    # that gave up on the stream must not get it as fresh audio.
                    break
                pending += data
                usable = len(pending) - len(pending) % 2
                if usable < bytes_per_chunk and not self.realtime:
                    continue
                if usable == 0:
                    continue
                yield self._to_chunk(pending[:usable])
                pending = pending[usable:]
            if len(pending) >= 2 and not self._interrupted:
                yield self._to_chunk(pending[: len(pending) - len(pending) % 2])
            rc = self._proc.wait()
            drain.join(timeout=2)
            if rc != 0 and not self._closed:
                raise SourceError(_explain(self.source, "\n".join(self._stderr), rc))
            if self.samples_read == 0 and not self._closed:
                raise SourceError(f"{self.source}: decoded no audio at all")
            damage = [ln for ln in self._stderr if _DAMAGE.search(ln)]
            if damage and not self._closed:
                # ffmpeg skips what it cannot read and exits 0; the user must still
                # know the recording was not scanned whole.
                at = self.samples_read * 1000 // SAMPLE_RATE
                raise SourceError(
                    f"{self.source}: the data is damaged (ffmpeg: {damage[-1].split('] ')[-1]}); "
                    f"{at // 60000}:{at // 1000 % 60:02d} of audio was decoded and scanned, "
                    "parts may be missing"
                )
        finally:
            self.close()

    def _to_chunk(self, raw: bytes) -> PcmChunk:
        audio = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
        chunk = PcmChunk(self.room_id, self.samples_read, audio)
        self.samples_read += len(audio)
        return chunk

    @property
    def closed_early(self) -> bool:
        """close() stopped ffmpeg before it finished by itself."""
        return self._interrupted

    def close(self) -> None:
        self._closed = True
        proc = self._proc
        if proc is not None and proc.poll() is None:
            self._interrupted = True
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc is not None:
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None and not pipe.closed:
                    pipe.close()
