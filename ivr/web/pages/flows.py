"""Supervisors' flows pages: each flow's versions (who, when, a diff, rollback), its problems as
`file:line`, a diagram drawn from its YAML, a simulator in the browser, and editing that never
puts a flow with problems into service (the same checker as `ivr flows check`)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ivr.flow.diagram import flow_graph
from ivr.flow.flowset import Flow
from ivr.flow.keeper import FlowChangeRefused, FlowKeeper
from ivr.flow.problems import Problem
from ivr.services.flow_versions import Version, digest
from ivr.web.auth import PUBLIC, allow
from ivr.web.pages.common import render
from ivr.web.pages.flow_sim import CallerInput, Simulations
from ivr.web.sessions import SESSION_KEY, page

ROLES = ("supervisor",)  # and admin, as every page
MAX_YAML = 256 * 1024  # a flow file larger than this is not an edit but a mistake
_VENDOR = resources.files("ivr.web") / "static" / "vendor"
_VENDOR_TYPES = {".js": "text/javascript", "LICENSE": "text/plain", "VERSION": "text/plain"}


@dataclass(frozen=True)
class FlowPagesSource:
    keeper: FlowKeeper
    simulations: Simulations | None  # None: no sandbox to simulate on
    timezone: ZoneInfo


FLOW_PAGES_KEY = web.AppKey("flow_pages", FlowPagesSource)


def _source(request: web.Request) -> FlowPagesSource:
    return request.app[FLOW_PAGES_KEY]


def _flow(request: web.Request) -> Flow:
    flow = _source(request).keeper.current().flows.get(request.match_info["name"])
    if flow is None:
        raise web.HTTPNotFound(text=f"no flow {request.match_info['name']!r}")
    return flow


def _user(request: web.Request) -> str:
    return request[SESSION_KEY].user


def _when(version: Version, tz: ZoneInfo) -> str:
    return version.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _problems_of(problems: list[Problem], flow: Flow) -> list[Problem]:
    return [p for p in problems if p.path.name == flow.path.name]


@page(*ROLES)
async def flows_page(request: web.Request) -> web.Response:
    source = _source(request)
    flow_set = source.keeper.current()
    counts = await source.keeper.versions.counts()
    latest = await source.keeper.versions.latest()
    rows = [{"name": name, "file": flow.path.name, "nodes": len(flow.nodes),
             "versions": counts.get(name, 0), "latest": latest.get(name),
             "when": _when(latest[name], source.timezone) if name in latest else "",
             "description": str(flow.doc.get("description", "")) if flow.doc else ""}
            for name, flow in sorted(flow_set.flows.items())]
    return render(request, "flows.html", {
        "heading": "flows", "rows": rows, "set_version": flow_set.version,
        "problems": source.keeper.problems(),
    })


@page(*ROLES)
async def flow_page(request: web.Request) -> web.Response:
    return await _show_flow(request)


async def _show_flow(request: web.Request, *, problem: str = "",
                     problems: list[Problem] | None = None, status: int = 200) -> web.Response:
    source, flow = _source(request), _flow(request)
    history = await source.keeper.versions.history(flow.name)
    return render(request, "flow.html", {
        "heading": "flows", "flow": flow, "tz": source.timezone,
        "versions": [(v, _when(v, source.timezone)) for v in history],
        "problems": problems if problems is not None else _problems_of(
            source.keeper.problems(), flow),
        "problem": problem, "message": request.query.get("done", ""),
    }, status=status)


@page(*ROLES)
async def diff_page(request: web.Request) -> web.Response:
    source, flow = _source(request), _flow(request)
    versions = source.keeper.versions
    try:
        old = await versions.get(int(request.query.get("a", "")))
        new = await versions.get(int(request.query.get("b", "")))
    except ValueError:
        raise web.HTTPBadRequest(text="a and b must be version numbers") from None
    if old is None or new is None or {old.flow, new.flow} != {flow.name}:
        raise web.HTTPNotFound(text="no such versions of this flow")
    lines = list(difflib.unified_diff(
        old.content.splitlines(), new.content.splitlines(),
        fromfile=f"#{old.id} {old.file_name}", tofile=f"#{new.id} {new.file_name}",
        n=3, lineterm=""))
    rows = [("hunk" if ln.startswith("@@") else "head" if ln.startswith(("---", "+++"))
             else "add" if ln.startswith("+") else "del" if ln.startswith("-") else "same", ln)
            for ln in lines]
    return render(request, "flow_diff.html", {
        "heading": "flows", "flow": flow, "old": old, "new": new, "rows": rows,
        "old_when": _when(old, source.timezone), "new_when": _when(new, source.timezone),
    })


@page(*ROLES)
async def rollback(request: web.Request) -> web.Response:
    source, flow = _source(request), _flow(request)
    form = await request.post()
    try:
        version = await source.keeper.versions.get(int(str(form.get("version", ""))))
    except ValueError:
        version = None
    if version is None or version.flow != flow.name:
        return await _show_flow(request, problem="no such version of this flow", status=404)
    try:
        kept = await source.keeper.rollback(version, author=_user(request))
    except FlowChangeRefused as exc:
        return await _show_flow(request, problem=f"version #{version.id} was not put back",
                               problems=exc.problems, status=400)
    done = f"rollback to #{version.id}" + (f" as #{kept[0].id}" if kept else " (no change)")
    raise web.HTTPSeeOther(f"/flows/{flow.name}?done={done}")


@page(*ROLES)
async def edit_page(request: web.Request) -> web.Response:
    flow = _flow(request)
    text = flow.path.read_text(encoding="utf-8")
    return render(request, "flow_edit.html", {"heading": "flows", "flow": flow, "text": text,
                                              "base": digest(text), "problems": []})


@page(*ROLES)
async def save_edit(request: web.Request) -> web.Response:
    source, flow = _source(request), _flow(request)
    form = await request.post()
    text = str(form.get("yaml", "")).replace("\r\n", "\n")
    base = str(form.get("base", ""))
    try:
        on_disk = flow.path.read_text(encoding="utf-8")
        if base != digest(on_disk):
            # Someone saved (or rolled back) since this text was opened: saving would silently
            # undo their change. The page keeps this text and offers the new one's digest.
            return render(request, "flow_edit.html", {
                "heading": "flows", "flow": flow, "text": text, "base": digest(on_disk),
                "problems": [], "conflict": True}, status=409)
        if len(text.encode()) > MAX_YAML:
            raise FlowChangeRefused([Problem(flow.path, 1, f"larger than {MAX_YAML} bytes")])
        kept = await source.keeper.apply(flow.path.name, text, author=_user(request),
                                         source="edit")
    except FlowChangeRefused as exc:
        # Nothing was written: the page shows the text as typed with what is wrong, by line.
        return render(request, "flow_edit.html", {"heading": "flows", "flow": flow,
                                                  "text": text, "base": base,
                                                  "problems": exc.problems}, status=400)
    done = f"saved as #{kept[0].id}" if kept else "no change"
    renamed = flow.name not in source.keeper.current().flows  # the edit changed `flow:`
    raise web.HTTPSeeOther("/flows" if renamed else f"/flows/{flow.name}?done={done}")


@page(*ROLES)
async def diagram_page(request: web.Request) -> web.Response:
    flow = _flow(request)
    return render(request, "flow_diagram.html", {
        "heading": "flows", "flow": flow, "graph": flow_graph(flow),
        "simulator": _source(request).simulations is not None,
    })


@page(*ROLES)
async def graph(request: web.Request) -> web.Response:
    return web.json_response(flow_graph(_flow(request)))


def _simulations(request: web.Request) -> Simulations:
    simulations = _source(request).simulations
    if simulations is None:
        raise web.HTTPServiceUnavailable(text="the simulator is not set up on this server")
    return simulations


def _audio_url(sid: str) -> Any:
    return lambda n: f"/flows/simulate/{sid}/audio/{n}"


@page(*ROLES)
async def start_simulation(request: web.Request) -> web.Response:
    flow = _flow(request)
    body = await _json(request)
    caller = str(body.get("caller") or "").strip() or None
    if caller is not None and not (caller.lstrip("+").isdigit() and len(caller) <= 20):
        raise web.HTTPBadRequest(text="caller: a phone number (digits, optional +)")
    simulation = await _simulations(request).start(_user(request), flow.name, caller)
    return web.json_response(simulation.state(_audio_url(simulation.id)))


@page(*ROLES)
async def simulation_step(request: web.Request) -> web.Response:
    simulations = _simulations(request)
    simulation = simulations.get(request.match_info["sid"], _user(request))
    if simulation is None:
        raise web.HTTPNotFound(text="no such simulation (ended, or another user's)")
    body = await _json(request)
    kind, value = str(body.get("kind", "")), str(body.get("value", ""))
    if kind not in ("keys", "say", "silence", "hangup"):
        raise web.HTTPBadRequest(text="kind: keys, say, silence or hangup")
    if kind == "keys" and (not value or any(c not in "0123456789*#" for c in value)
                           or len(value) > 32):
        raise web.HTTPBadRequest(text="keys: 1 to 32 of 0-9, * and #")
    if kind == "say" and not (0 < len(value) <= 200):
        raise web.HTTPBadRequest(text="say: 1 to 200 characters")
    since = len(simulation.channel.heard)
    await simulations.step(simulation, CallerInput(kind, value))  # type: ignore[arg-type]
    return web.json_response(simulation.state(_audio_url(simulation.id), since))


@page(*ROLES)
async def simulation_audio(request: web.Request) -> web.StreamResponse:
    simulation = _simulations(request).get(request.match_info["sid"], _user(request))
    try:
        heard = simulation.channel.heard[int(request.match_info["n"])] if simulation else None
    except (ValueError, IndexError):
        heard = None
    # Only a file this simulation played: never a path the browser names.
    if heard is None or not heard.audio.is_file():
        raise web.HTTPNotFound(text="no such prompt in this simulation")
    return web.FileResponse(heard.audio, headers={"Content-Type": "audio/wav",
                                                  "Cache-Control": "no-store"})


async def _json(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="a JSON object expected") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object expected")
    return body


@allow(PUBLIC)
async def vendor_file(request: web.Request) -> web.Response:
    """The diagram library, served from the package (the hotline's network has no internet)."""
    lib, name = request.match_info["lib"], request.match_info["name"]
    if any(bad in part for part in (lib, name) for bad in ("/", "\\", "..")) or lib[:1] == ".":
        raise web.HTTPNotFound()
    kind = next((t for suffix, t in _VENDOR_TYPES.items() if name.endswith(suffix)), None)
    file = _VENDOR / lib / name
    if kind is None or not file.is_file():
        raise web.HTTPNotFound()
    return web.Response(body=file.read_bytes(), content_type=kind,
                        headers={"Cache-Control": "max-age=3600"})


def add_routes(app: web.Application, source: FlowPagesSource) -> None:
    app[FLOW_PAGES_KEY] = source
    app.router.add_get("/static/vendor/{lib}/{name}", vendor_file)
    app.router.add_get("/flows", flows_page)
    app.router.add_post("/flows/simulate/{sid}", simulation_step)
    app.router.add_get("/flows/simulate/{sid}/audio/{n}", simulation_audio)
    app.router.add_get("/flows/{name}", flow_page)
    app.router.add_get("/flows/{name}/diff", diff_page)
    app.router.add_post("/flows/{name}/rollback", rollback)
    app.router.add_get("/flows/{name}/edit", edit_page)
    app.router.add_post("/flows/{name}/edit", save_edit)
    app.router.add_get("/flows/{name}/diagram", diagram_page)
    app.router.add_get("/flows/{name}/graph", graph)
    app.router.add_post("/flows/{name}/simulate", start_simulation)
    if source.simulations is not None:
        simulations = source.simulations

        async def close_simulations(_app: web.Application) -> None:
            await simulations.close()

        app.on_cleanup.append(close_simulations)
