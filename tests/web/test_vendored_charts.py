"""The charts' library is vendored into the package at the version the refresher pins, with its
licence, and served by the hotline itself: no page loads anything from another host."""

from __future__ import annotations

import re
from pathlib import Path

from ivr.app import Hotline
from tests.web.staff import SignIn, sign_in, staff

__all__ = ["sign_in", "staff"]

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "ivr/web/static/vendor/echarts"


def test_echarts_is_vendored_at_the_pinned_version_with_its_licence() -> None:
    script = (ROOT / "scripts/vendor-echarts").read_text(encoding="utf-8")
    pinned = re.search(r"^VERSION=(\S+)$", script, re.MULTILINE)
    assert pinned is not None
    assert (VENDOR / "VERSION").read_text(encoding="utf-8").strip() == pinned.group(1)
    assert "Apache License" in (VENDOR / "LICENSE").read_text(encoding="utf-8")
    assert (VENDOR / "echarts.min.js").stat().st_size > 500_000  # the full build, not a stub


async def test_pages_load_their_scripts_from_the_hotline_only(
    sign_in: SignIn, hotline: Hotline
) -> None:
    client = await sign_in("admin")
    for path in ("/wallboard", "/reports", "/campaigns", "/surveys", "/dnc", "/outages"):
        async with client.get(path) as resp:
            html = await resp.text()
        sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/static/") for s in sources), (path, sources)
    async with client.get("/static/vendor/echarts/echarts.min.js",
                          headers={"Accept-Encoding": "gzip"}) as resp:
        assert resp.status == 200 and resp.content_type == "text/javascript"
        assert resp.headers.get("Content-Encoding") == "gzip"
        assert "echarts" in (await resp.text())[:5000]
    for bad in ("/static/vendor/..%2F..%2Fapp.py", "/static/vendor/echarts/..%2Fcharts.js",
                "/static/vendor/.hidden/x.js", "/static/vendor/echarts/LICENSE"):
        async with client.get(bad) as resp:
            assert resp.status == 404, bad
