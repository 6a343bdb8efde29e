"""The worker's HTTP client for the review API.

Public methods add retries with exponential backoff around one private request
hook. Pass ``transport=httpx.MockTransport(...)`` to test without a network.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger(__name__)

_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class ReviewError(RuntimeError):
    """The server refused a request and retrying will not help (bad token, bad payload)."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class ServerUnavailable(RuntimeError):
    """The server could not be reached or kept failing; the request may be retried later."""


class ReviewClient:
    def __init__(
        self,
        server: str,
        token: str,
        *,
        retries: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._http = httpx.Client(
            base_url=self.server,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "livemod-worker"},
            timeout=timeout_s,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def post_findings(self, findings: list[dict[str, Any]]) -> dict[str, list[str]]:
        resp = self._request("POST", "/v1/findings", json={"findings": findings})
        data: dict[str, list[str]] = resp.json()
        return data

    def post_ledger(self, room_id: str, claims: list[dict[str, Any]]) -> dict[str, list[str]]:
        resp = self._request("POST", f"/v1/rooms/{room_id}/ledger", json={"claims": claims})
        data: dict[str, list[str]] = resp.json()
        return data

    def put_clip(self, finding_id: str, path: Path, clip_start_ms: int) -> None:
        ctype = "audio/ogg" if path.suffix == ".opus" else "audio/mpeg"
        self._request(
            "PUT",
            f"/v1/findings/{finding_id}/clip",
            content=path.read_bytes(),
            headers={"Content-Type": ctype, "X-Clip-Start-Ms": str(clip_start_ms)},
        )

    def put_room(self, room_id: str, **fields: Any) -> dict[str, Any]:
        data: dict[str, Any] = self._request("PUT", f"/v1/rooms/{room_id}", json=fields).json()
        return data

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        delay = self.backoff_s
        last: str = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)
            try:
                resp = self._send(method, url, **kwargs)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
                log.debug("%s %s failed (%s), attempt %d", method, url, last, attempt + 1)
                continue
            if resp.status_code in _RETRY_STATUS:
                last = f"HTTP {resp.status_code}"
                continue
            if resp.status_code in (401, 403):
                raise ReviewError(
                    f"the review server at {self.server} refused the token ({resp.status_code}: "
                    f"{_detail(resp)}); make a worker token with `livemod tokens create --role worker`",
                    resp.status_code,
                )
            if resp.status_code >= 400:
                raise ReviewError(f"{method} {url}: {resp.status_code} {_detail(resp)}", resp.status_code)
            return resp
        raise ServerUnavailable(
            f"{method} {self.server}{url}: gave up after {self.retries + 1} tries ({last})"
        )

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._http.request(method, url, **kwargs)


def _detail(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    return str(body.get("detail", body))[:500] if isinstance(body, dict) else str(body)[:500]
