"""Outbound calls: find the target the answered call is for, and end it by what the person
said (survey answers, opt-out, wrong person, notice confirmed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.db.enums import Language, TargetState
from ivr.flow.actions.base import Action
from ivr.services.outbound import ATTEMPT_VARIABLE
from ivr.services.survey_calls import OutboundTarget

if TYPE_CHECKING:
    from ivr.flow.context import CallContext

_TARGET = "_outbound_target"  # the OutboundTarget, kept in the call's variables


def _target(ctx: CallContext) -> OutboundTarget | None:
    target = ctx.vars.get(_TARGET)
    return target if isinstance(target, OutboundTarget) else None


async def outbound_target(ctx: CallContext) -> str:
    """The attempt id the call carries → its target; the call continues in its language."""
    attempt = await ctx.channel.get_variable(ATTEMPT_VARIABLE)
    target = await ctx.services.survey_calls.target_for_attempt(attempt)
    if target is None:
        ctx.record("outbound", found=False)
        return "unknown"
    ctx.vars[_TARGET] = target
    if target.language in {lang.value for lang in Language}:
        ctx.language = target.language
    ctx.record("outbound", target=target.target_id, kind=target.kind)
    return {"follow_up": "survey", "outage_notice": "notice",
            "callback": "callback"}.get(target.kind, "other")


async def survey_score_valid(ctx: CallContext) -> str:
    score = str(ctx.vars.get("score", ""))
    return "ok" if score in {"1", "2", "3", "4", "5"} else "invalid"


async def survey_finish(ctx: CallContext) -> str:
    target = _target(ctx)
    if target is None:
        return "done"
    comment = ctx.vars.get("survey_comment")
    escalated = await ctx.services.survey_calls.survey_answers(
        target, resolved=ctx.vars.get("resolved") == "yes", score=int(ctx.vars["score"]),
        comment=str(comment) if comment else None)
    ctx.record("survey", resolved=ctx.vars.get("resolved"), score=ctx.vars["score"],
               escalated=bool(escalated))
    return "escalated" if escalated else "done"


async def _end(ctx: CallContext, state: TargetState, reason: str, **answers: object) -> str:
    target = _target(ctx)
    if target is not None:
        await ctx.services.survey_calls.end(target.target_id, state, reason, **answers)
    return "done"


async def survey_opt_out(ctx: CallContext) -> str:
    target = _target(ctx)
    if target is not None:
        await ctx.services.survey_calls.opt_out(target)
    return "done"


async def survey_wrong_person(ctx: CallContext) -> str:
    return await _end(ctx, TargetState.WRONG_PERSON, "the person answering is not the customer")


async def survey_refused(ctx: CallContext) -> str:
    return await _end(ctx, TargetState.REFUSED, "declined the follow-up")


async def callback_connected(ctx: CallContext) -> str:
    return await _end(ctx, TargetState.COMPLETED, "called back: put through to the queue")


async def notice_confirmed(ctx: CallContext) -> str:
    return await _end(ctx, TargetState.COMPLETED, "notice heard and confirmed", confirmed=True)


def _one(name: str, run: object, doc: str) -> Action:
    return Action(name, frozenset({"done"}), run, doc)  # type: ignore[arg-type]


SURVEY_ACTIONS = (
    Action("outbound_target", frozenset({"survey", "notice", "callback", "other", "unknown"}),
           outbound_target, "the target of an answered outbound call, from its attempt id"),
    Action("survey_score_valid", frozenset({"ok", "invalid"}), survey_score_valid,
           "a satisfaction score of 1 to 5"),
    Action("survey_finish", frozenset({"done", "escalated"}), survey_finish,
           "record the answers; not resolved or 1-2 reopens the work order"),
    _one("survey_opt_out", survey_opt_out, "the do-not-call list, the target opted out"),
    _one("survey_wrong_person", survey_wrong_person, "not the customer: ended, nothing read"),
    _one("survey_refused", survey_refused, "declined: ended"),
    _one("callback_connected", callback_connected, "the callback reached the customer"),
    _one("notice_confirmed", notice_confirmed, "the notice was heard and confirmed"),
)
