"""Prometheus metrics of the review API: requests, stored findings, live event streams."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from livemod.review._events import EventHub


class ApiMetrics:
    def __init__(self, hub: EventHub) -> None:
        # One registry per app: two apps in one process (the tests) never share counters.
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "livemod_api_requests", "HTTP requests.", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "livemod_api_request_seconds", "Time to answer a request.", ["route"], registry=self.registry
        )
        self.findings = Counter(
            "livemod_api_findings_stored",
            "Findings stored, by category.",
            ["category"],
            registry=self.registry,
        )
        subscribers = Gauge("livemod_api_event_streams", "Open live event streams.", registry=self.registry)
        subscribers.set_function(lambda: hub.subscribers)

    def install(self, app: FastAPI) -> None:
        @app.middleware("http")
        async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            t0 = time.perf_counter()
            response = await call_next(request)
            route = request.scope.get("route")
            # The route template, not the path: a room id per label would grow without bound.
            name = getattr(route, "path", "unmatched")
            self.requests.labels(request.method, name, str(response.status_code)).inc()
            if not name.endswith("/events"):
                self.latency.labels(name).observe(time.perf_counter() - t0)
            return response

        @app.get("/metrics", include_in_schema=False)
        def metrics() -> Response:
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
