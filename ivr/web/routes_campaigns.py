"""Outbound campaigns for the survey team: create, start, pause, resume, stop, add numbers,
and the do-not-call list."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from ivr.services.campaigns import Campaigns, CsvProblem, TargetRow
from ivr.services.do_not_call import DoNotCallFileError, DoNotCallList
from ivr.services.errors import Conflict, NotFound, ValidationError
from ivr.services.phones import normalize_phone
from ivr.web.auth import PRINCIPAL_KEY, allow, error
from ivr.web.encode import respond
from ivr.web.requests import read_json

CAMPAIGNS_KEY = web.AppKey("campaigns", Campaigns)
DNC_KEY = web.AppKey("do_not_call", DoNotCallList)
MAX_CSV = 5 * 1024 * 1024


def _ref(request: web.Request) -> str:
    return request.match_info["campaign"]


@allow("survey", "supervisor")
async def list_campaigns(request: web.Request) -> web.Response:
    rows = await request.app[CAMPAIGNS_KEY].list()
    return respond({"campaigns": [asdict(r) for r in rows]})


@allow("survey", "supervisor")
async def create_campaign(request: web.Request) -> web.Response:
    """`{"name", "kind", "flow", "caller_id"?, "rules"?: {"window", "pacing", "retries"}}`."""
    body = await read_json(request)
    rules = body.get("rules", {})
    if not isinstance(rules, dict):
        return error(400, "an object expected", field="rules")
    try:
        info = await request.app[CAMPAIGNS_KEY].create(
            name=str(body.get("name", "")), kind=str(body.get("kind", "")),
            flow=str(body.get("flow", "")), caller_id=str(body.get("caller_id", "")),
            rules=rules, by=request[PRINCIPAL_KEY].name)
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    except Conflict as exc:
        return error(409, str(exc))
    return respond(asdict(info), status=201)


@allow("survey", "supervisor")
async def get_campaign(request: web.Request) -> web.Response:
    try:
        return respond(asdict(await request.app[CAMPAIGNS_KEY].get(_ref(request))))
    except NotFound as exc:
        return error(404, str(exc))


@allow("survey", "supervisor")
async def move_campaign(request: web.Request) -> web.Response:
    """`POST /api/campaigns/{campaign}/start|pause|resume|stop`."""
    try:
        info = await request.app[CAMPAIGNS_KEY].move(_ref(request), request.match_info["action"])
    except NotFound as exc:
        return error(404, str(exc))
    except Conflict as exc:
        return error(409, str(exc))
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond(asdict(info))


@allow("survey", "supervisor")
async def put_rules(request: web.Request) -> web.Response:
    """`PUT /api/campaigns/{campaign}/rules` `{"window", "pacing", "retries"}`."""
    body = await read_json(request)
    try:
        info = await request.app[CAMPAIGNS_KEY].set_rules(_ref(request), body)
    except NotFound as exc:
        return error(404, str(exc))
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond(asdict(info))


@allow("survey", "supervisor")
async def add_targets(request: web.Request) -> web.Response:
    """A CSV body (`text/csv`: number,language,account,priority) or `{"numbers": [...]}`."""
    campaigns = request.app[CAMPAIGNS_KEY]
    try:
        if request.content_type == "text/csv":
            if (request.content_length or 0) > MAX_CSV:
                return error(413, "the file is too large")
            added = await campaigns.import_csv(_ref(request), "upload.csv", await request.text())
        else:
            body = await read_json(request)
            raw = body.get("numbers")
            if not isinstance(raw, list) or not raw:
                return error(400, "a list of phone numbers is required", field="numbers")
            rows = []
            for index, number in enumerate(raw):
                phone = normalize_phone(str(number))
                if phone is None:
                    return error(400, "not a phone number", field=f"numbers[{index}]")
                rows.append(TargetRow(phone))
            added = await campaigns.add_targets(_ref(request), rows)
    except CsvProblem as exc:
        return error(400, str(exc), field=exc.field)
    except NotFound as exc:
        return error(404, str(exc))
    return respond({"added": added})


@allow("survey", "supervisor", "admin")
async def add_do_not_call(request: web.Request) -> web.Response:
    """`{"number", "reason"?}`: no campaign dials it from now on."""
    body = await read_json(request)
    try:
        added = await request.app[CAMPAIGNS_KEY].do_not_call(
            str(body.get("number", "")), str(body.get("reason", "")),
            source=request[PRINCIPAL_KEY].name)
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond({"added": added}, status=201 if added else 200)


@allow("survey", "supervisor", "admin")
async def import_do_not_call(request: web.Request) -> web.Response:
    """A CSV body (`text/csv`: number[,reason]), checked whole first: any bad row is a 400
    listing every problem as `FILE:LINE: column: problem`, and nothing is written."""
    if request.content_type != "text/csv":
        return error(415, "a text/csv body is expected (columns number[,reason])")
    if (request.content_length or 0) > MAX_CSV:
        return error(413, "the file is too large")
    name = request.query.get("name") or "upload.csv"
    try:
        done = await request.app[DNC_KEY].import_csv(
            name, await request.text(), source=f"import by {request[PRINCIPAL_KEY].name}")
    except DoNotCallFileError as exc:
        return error(400, exc.message, problems=exc.problems, count=exc.total)
    except UnicodeDecodeError:
        return error(400, "not UTF-8 text")
    return respond(asdict(done), status=201 if done.added else 200)


@allow("survey", "supervisor", "admin")
async def list_do_not_call(request: web.Request) -> web.Response:
    """Newest first; `?number=` one number, in any form it is written."""
    try:
        rows = await request.app[DNC_KEY].entries(request.query.get("number") or None)
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond({"numbers": [asdict(r) for r in rows]})


@allow("survey", "supervisor", "admin")
async def remove_do_not_call(request: web.Request) -> web.Response:
    try:
        removed = await request.app[DNC_KEY].remove(request.match_info["number"])
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond({"removed": removed}) if removed else error(404, "not on the list")


def add_routes(app: web.Application, campaigns: Campaigns, do_not_call: DoNotCallList) -> None:
    app[CAMPAIGNS_KEY] = campaigns
    app[DNC_KEY] = do_not_call
    app.router.add_get("/api/campaigns", list_campaigns)
    app.router.add_post("/api/campaigns", create_campaign)
    app.router.add_get("/api/campaigns/{campaign}", get_campaign)
    app.router.add_post("/api/campaigns/{campaign}/targets", add_targets)
    app.router.add_put("/api/campaigns/{campaign}/rules", put_rules)
    app.router.add_post("/api/campaigns/{campaign}/{action:start|pause|resume|stop}",
                        move_campaign)
    app.router.add_post("/api/do-not-call", add_do_not_call)
    app.router.add_get("/api/do-not-call", list_do_not_call)
    app.router.add_post("/api/do-not-call/import", import_do_not_call)
    app.router.add_delete("/api/do-not-call/{number}", remove_do_not_call)
