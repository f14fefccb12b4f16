"""The survey team's pages (roles survey and supervisor; admin always): campaigns with their
progress, follow-up coverage against 100%, satisfaction, escalations, and the do-not-call list.

Everything goes through the same services as the API (`/api/campaigns`, `/api/surveys`). The
survey team sees no bill and no account: a customer's number is masked everywhere except on
the do-not-call list, which is a list of numbers the team must be able to read and correct.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ivr.db.enums import CampaignKind, CampaignStatus, TargetState
from ivr.masking import mask_phone
from ivr.services.campaigns import CampaignInfo, TargetRow
from ivr.services.errors import Conflict, NotFound, ValidationError
from ivr.services.hotline_services import HotlineServices
from ivr.services.phones import normalize_phone
from ivr.services.surveys import ENDS
from ivr.web.pages.charts import SCRIPTS, bars, pie
from ivr.web.pages.common import render
from ivr.web.pages.i18n import translate
from ivr.web.sessions import SESSION_KEY, page

ROLES = ("survey", "supervisor")
FLOWS = ("survey", "notice", "callback_out")  # the flows an answered outbound call may run
MAX_NUMBERS = 5000  # numbers pasted into the form; larger lists go through the CSV API
_ENDED = frozenset(s.value for s in ENDS)


@dataclass(frozen=True)
class SurveyPageSource:
    services: HotlineServices
    timezone: ZoneInfo


SURVEY_PAGE_KEY = web.AppKey("survey_pages", SurveyPageSource)


def progress(info: CampaignInfo) -> dict[str, Any]:
    """A campaign's live figures: targets, how many ended, the share ended, counts per state."""
    total = sum(info.targets.values())
    ended = sum(n for state, n in info.targets.items() if state in _ENDED)
    return {"id": info.id, "name": info.name, "kind": info.kind, "status": info.status,
            "flow": info.flow, "total": total, "ended": ended,
            "percent": round(100.0 * ended / total, 1) if total else 0.0,
            "counts": dict(sorted(info.targets.items()))}


# -- campaigns ---------------------------------------------------------------------------------

@page(*ROLES)
async def campaigns_page(request: web.Request) -> web.Response:
    return await _campaigns(request)


async def _campaigns(request: web.Request, problem: str = "", status: int = 200,
                     form: dict[str, str] | None = None) -> web.Response:
    campaigns = await request.app[SURVEY_PAGE_KEY].services.campaigns.list()
    lang = request[SESSION_KEY].language.value
    keys = [f"campaign_{s.value}" for s in CampaignStatus]
    keys += [f"state_{s.value}" for s in TargetState]
    words = {key: translate(lang, key) for key in keys}  # for the script's live updates
    return render(request, "campaigns.html", {
        "words": words,
        "heading": "campaigns", "rows": [progress(c) for c in campaigns],
        "kinds": [k.value for k in CampaignKind], "flows": FLOWS, "problem": problem,
        "form": form or {},
    }, status=status)


@page(*ROLES)
async def campaigns_live(request: web.Request) -> web.Response:
    """The progress of every campaign as JSON, polled by the page (no reload)."""
    campaigns = await request.app[SURVEY_PAGE_KEY].services.campaigns.list()
    return web.json_response({"campaigns": [progress(c) for c in campaigns]},
                             headers={"Cache-Control": "no-store"})


def _int(form: dict[str, str], name: str, default: int) -> int:
    raw = form.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValidationError(name, "a whole number expected")
    return int(raw)


def _numbers(text: str) -> list[TargetRow]:
    rows = []
    lines = [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]
    if len(lines) > MAX_NUMBERS:
        raise ValidationError("numbers", f"at most {MAX_NUMBERS} here; import larger lists")
    for index, line in enumerate(lines, 1):
        phone = normalize_phone(line)
        if phone is None:
            raise ValidationError("numbers", f"line {index}: {line[:40]!r} is not a phone number")
        rows.append(TargetRow(phone))
    return rows


@page(*ROLES)
async def create_campaign(request: web.Request) -> web.Response:
    form = {k: str(v) for k, v in (await request.post()).items() if k != "csrf"}
    campaigns = request.app[SURVEY_PAGE_KEY].services.campaigns
    try:
        targets = _numbers(form.get("numbers", ""))
        per_second = float(form.get("per_second") or 1)
        rules = {
            "window": {"start": form.get("window_start") or "09:00",
                       "end": form.get("window_end") or "20:00",
                       "days": form.get("days") or "workdays"},
            "pacing": {"channels": _int(form, "channels", 2),
                       "per_second": int(per_second) if per_second.is_integer() else per_second},
            "retries": {"max_attempts": _int(form, "max_attempts", 3)},
        }
        info = await campaigns.create(
            name=form.get("name", ""), kind=form.get("kind", ""), flow=form.get("flow", ""),
            caller_id=form.get("caller_id", "").strip(), rules=rules,
            by=request[SESSION_KEY].user)
        if targets:
            await campaigns.add_targets(info.id, targets)
    except ValueError:  # float() of the pace
        return await _campaigns(request, "per_second: a number expected", 400, form)
    except ValidationError as exc:
        return await _campaigns(request, str(exc), 400, form)
    except Conflict as exc:
        return await _campaigns(request, str(exc), 409, form)
    raise web.HTTPSeeOther(f"/campaigns#campaign-{info.id}")


@page(*ROLES)
async def move_campaign(request: web.Request) -> web.Response:
    """start, pause, resume or stop, as `POST /api/campaigns/{id}/{action}` does."""
    campaigns = request.app[SURVEY_PAGE_KEY].services.campaigns
    try:
        await campaigns.move(request.match_info["id"], request.match_info["action"])
    except NotFound as exc:
        return await _campaigns(request, str(exc), 404)
    except Conflict as exc:
        return await _campaigns(request, str(exc), 409)
    raise web.HTTPSeeOther(f"/campaigns#campaign-{request.match_info['id']}")


# -- coverage, satisfaction, escalations ---------------------------------------------------------

def _range(request: web.Request, tz: ZoneInfo) -> tuple[date, date]:
    """`from` and `to` as local dates, both days included; the current month by default."""
    today = datetime.now(tz).date()
    try:
        first = date.fromisoformat(request.query.get("from") or today.replace(day=1).isoformat())
        last = date.fromisoformat(request.query.get("to") or today.isoformat())
    except ValueError:
        raise web.HTTPBadRequest(text="from, to: YYYY-MM-DD expected") from None
    if last < first or (last - first).days > 366:
        raise web.HTTPBadRequest(text="to: on or after from, within a year")
    return first, last


@page(*ROLES)
async def surveys_page(request: web.Request) -> web.Response:
    source = request.app[SURVEY_PAGE_KEY]
    tz, services = source.timezone, source.services
    lang = request[SESSION_KEY].language.value
    first, last = _range(request, tz)
    since = datetime.combine(first, time(), tz)
    until = datetime.combine(last + timedelta(days=1), time(), tz)
    coverage = await services.surveys.coverage(since, until)
    spread = await services.survey_board.satisfaction(since, until)
    escalations = await services.survey_board.escalations(since, until)

    def tr(key: str) -> str:
        return translate(lang, key)

    types = [tr(f"type_{row.type}") for row in coverage]
    coverage_chart = bars(
        types,
        [(tr("followed_up"), [row.followed_up for row in coverage]),
         (tr("pending"), [row.pending for row in coverage]),
         (tr("missing"), [row.missing for row in coverage])],
        stacked=True, colors=("#2fbf71", "#f5a623", "#ff4d4f"))
    score_chart = bars(
        types,
        [(f"{score}", [row.scores[score] for row in spread]) for score in (1, 2, 3, 4, 5)],
        title=tr("scores"), colors=("#ff4d4f", "#ff8c42", "#f5d142", "#8fd16a", "#2fbf71"))
    resolved_chart = pie(
        [(tr("resolved"), sum(r.resolved for r in spread)),
         (tr("not_resolved"), sum(r.not_resolved for r in spread))],
        title=tr("resolved"), colors=("#2fbf71", "#ff4d4f"))
    return render(request, "surveys.html", {
        "heading": "surveys", "first": first.isoformat(), "last": last.isoformat(),
        "coverage": coverage, "ends": [s.value for s in ENDS], "spread": spread,
        "escalations": [
            {"e": e, "number": mask_phone(e.number),
             "at": e.answered_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
             if e.answered_at else ""}
            for e in escalations],
        "coverage_chart": coverage_chart, "score_chart": score_chart,
        "resolved_chart": resolved_chart, "chart_scripts": SCRIPTS,
    })


@page(*ROLES)
async def order_page(request: web.Request) -> web.Response:
    """A work order as the survey team needs it: type, state, and each follow-up's answers."""
    source = request.app[SURVEY_PAGE_KEY]
    number = request.match_info["number"]
    order = await source.services.tickets.get(number)
    if order is None:
        raise web.HTTPNotFound(text=f"no work order {number}")
    # An escalation's follow-ups are those of the order it escalates.
    results = await source.services.surveys.results(order.escalates or order.number)
    return render(request, "survey_order.html", {
        "heading": "work_order", "order": order, "caller": mask_phone(order.caller),
        "results": results, "tz": source.timezone,
    })


# -- the do-not-call list --------------------------------------------------------------------------

@page(*ROLES)
async def dnc_page(request: web.Request) -> web.Response:
    return await _dnc(request)


async def _dnc(request: web.Request, problem: str = "", status: int = 200) -> web.Response:
    board = request.app[SURVEY_PAGE_KEY].services.survey_board
    search = request.query.get("q", "")
    return render(request, "dnc.html", {
        "heading": "dnc", "rows": await board.do_not_call(search), "q": search,
        "total": await board.do_not_call_count(), "problem": problem,
        "tz": request.app[SURVEY_PAGE_KEY].timezone,
    }, status=status)


@page(*ROLES)
async def dnc_add(request: web.Request) -> web.Response:
    form = await request.post()
    number = str(form.get("number", "")).strip()
    if normalize_phone(number) is None:
        return await _dnc(request, f"number: {number[:40]!r} is not a phone number", 400)
    try:
        await request.app[SURVEY_PAGE_KEY].services.campaigns.do_not_call(
            number, str(form.get("reason", "")), source=request[SESSION_KEY].user)
    except ValidationError as exc:
        return await _dnc(request, str(exc), 400)
    raise web.HTTPSeeOther("/dnc")


@page(*ROLES)
async def dnc_remove(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        await request.app[SURVEY_PAGE_KEY].services.survey_board.allow_calls(
            str(form.get("number", "")))
    except NotFound as exc:
        return await _dnc(request, str(exc), 404)
    raise web.HTTPSeeOther("/dnc")


def add_routes(app: web.Application, source: SurveyPageSource) -> None:
    app[SURVEY_PAGE_KEY] = source
    app.router.add_get("/campaigns", campaigns_page)
    app.router.add_post("/campaigns", create_campaign)
    app.router.add_get("/campaigns/live", campaigns_live)
    app.router.add_post(r"/campaigns/{id:\d+}/{action:start|pause|resume|stop}", move_campaign)
    app.router.add_get("/surveys", surveys_page)
    app.router.add_get("/surveys/orders/{number}", order_page)
    app.router.add_get("/dnc", dnc_page)
    app.router.add_post("/dnc", dnc_add)
    app.router.add_post("/dnc/remove", dnc_remove)
