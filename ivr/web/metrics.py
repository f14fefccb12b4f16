"""`/metrics` for Prometheus: read at scrape time from the same sources as the wallboard, in a
registry of this app's own (never the process-global one, which tests would fill twice)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ivr.asterisk_names import QUEUES
from ivr.services.pbx import LivePbx
from ivr.web.auth import allow
from ivr.web.pages.wallboard import WALLBOARD_KEY, WallboardSource


class _Figures(Collector):
    """Today's counts, read from the database before the scrape is rendered."""

    def __init__(self, values: dict[str, float]) -> None:
        self.values = values

    def collect(self) -> Iterator[Metric]:
        for name, value in self.values.items():
            yield GaugeMetricFamily(name, name.replace("_", " "), value=value)


class _Areas(Collector):
    """Calls per area in the last minute (this instance's), and which areas are in alarm."""

    def __init__(self, counts: dict[str, int], limit: int) -> None:
        self.counts, self.limit = counts, limit

    def collect(self) -> Iterator[Metric]:
        calls = GaugeMetricFamily("ivr_area_calls_last_minute",
                                  "Identified callers per area in the last minute",
                                  labels=["area"])
        alarm = GaugeMetricFamily("ivr_area_calls_alarm",
                                  "1 while an area's calls per minute are at the alarm threshold",
                                  labels=["area"])
        for area, count in sorted(self.counts.items()):
            calls.add_metric([area], count)
            alarm.add_metric([area], 1 if count >= self.limit else 0)
        yield calls
        yield alarm


class _Live(Collector):
    def __init__(self, pbx: LivePbx | None, live_calls: Callable[[], int],
                 prompts_failed: Callable[[], list[str]]) -> None:
        self.pbx, self.live_calls, self.prompts_failed = pbx, live_calls, prompts_failed

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("ivr_calls_in_progress", "Calls in the IVR now",
                                value=self.live_calls())
        yield GaugeMetricFamily("ivr_prompt_render_failures",
                                "Prompts that could not be rendered (last build)",
                                value=len(self.prompts_failed()))
        if self.pbx is None or not self.pbx.is_up:
            return
        waiting = GaugeMetricFamily("ivr_queue_waiting", "Callers waiting", labels=["queue"])
        longest = GaugeMetricFamily("ivr_queue_longest_wait_seconds",
                                    "Longest wait of a caller now", labels=["queue"])
        for q in self.pbx.queue_views(QUEUES):
            waiting.add_metric([q.name], len(q.waiting))
            longest.add_metric([q.name], q.longest_wait or 0.0)
        yield waiting
        yield longest


async def _today(source: WallboardSource) -> dict[str, float]:
    now = datetime.now(UTC)
    midnight = datetime.combine(now.astimezone(source.timezone).date(), time(), source.timezone)
    level = await source.services.queue_stats.service_level(midnight, now)
    calls = await source.services.figures.calls(midnight, now, source.timezone)
    return {
        "ivr_pickups_within_three_rings_today": level.picked_up_within_three_rings,
        "ivr_pickups_today": level.inbound_calls,
        "ivr_agent_answers_within_three_rings_today": level.overall.answered_within_three_rings,
        "ivr_queue_calls_offered_today": level.overall.offered,
        "ivr_queue_calls_abandoned_today": level.overall.abandoned,
        "ivr_calls_today": calls.calls,
        "ivr_call_errors_today": calls.errors,
    }


LIVE_KEY = web.AppKey("metrics_live", _Live)


@allow("supervisor")
async def get_metrics(request: web.Request) -> web.Response:
    """Prometheus metrics (scrape with a supervisor's bearer token)."""
    registry = CollectorRegistry()
    registry.register(request.app[LIVE_KEY])
    source = request.app[WALLBOARD_KEY]
    registry.register(_Figures(await _today(source)))
    registry.register(_Areas(source.services.announcements.rate.per_minute(datetime.now(UTC)),
                             source.alarms.area_calls_per_minute))
    return web.Response(body=generate_latest(registry), content_type="text/plain",
                        charset="utf-8")


def add_routes(app: web.Application, pbx: LivePbx | None, live_calls: Callable[[], int],
               prompts_failed: Callable[[], list[str]]) -> None:
    app[LIVE_KEY] = _Live(pbx, live_calls, prompts_failed)
    app.router.add_get("/metrics", get_metrics)
