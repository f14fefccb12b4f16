"""Outbound calls: find the target the answered call is for, and end it by what the person
said (survey answers, opt-out, wrong person, notice confirmed)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ivr.db.enums import Language, OutageKind, OutageStatus, TargetState
from ivr.flow.actions.base import Action
from ivr.flow.actions.outages import spoken_outage
from ivr.services.outbound import ATTEMPT_VARIABLE
from ivr.services.survey_calls import OutboundTarget
from ivr.speech.languages import speech_language

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
    ctx.on_end.append(lambda: _session_ended(ctx, target))
    if target.language in {lang.value for lang in Language}:
        ctx.language = target.language
    ctx.record("outbound", target=target.target_id, kind=target.kind)
    return {"follow_up": "survey", "outage_notice": "notice",
            "callback": "callback"}.get(target.kind, "other")


def _partial_answers(ctx: CallContext) -> dict[str, object]:
    """What the person answered before the call ended (a score only once it is valid)."""
    answers: dict[str, object] = {}
    if ctx.vars.get("resolved") in {"yes", "no"}:
        answers["resolved"] = ctx.vars["resolved"] == "yes"
    if str(ctx.vars.get("score", "")) in {"1", "2", "3", "4", "5"}:
        answers["score"] = int(ctx.vars["score"])
    if ctx.vars.get("survey_comment"):
        answers["comment_path"] = str(ctx.vars["survey_comment"])
    return answers


async def _session_ended(ctx: CallContext, target: OutboundTarget) -> None:
    """The FastAGI session is over: a target the flow did not end (the person hung up) ends
    now, refused, with what was answered kept. A no-op when the flow ended it."""
    answers = _partial_answers(ctx) if target.kind == "follow_up" else {}
    reason = "hung up before the end of the call"
    if answers:
        reason = f"hung up mid-survey ({', '.join(sorted(answers))} answered)"
    await ctx.services.survey_calls.end(target.target_id, TargetState.REFUSED, reason,
                                        **answers)


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


_NOTICE_VALUES = frozenset({"outage_kind", "cause_said", "starts_said", "where_said"})


async def notice_details(ctx: CallContext) -> str:
    """The outage an outage notice is about, in the customer's words and language: its kind,
    where (the areas and transformers it covers), from when to when, and why. `gone`: the
    outage is restored or unknown by now, so there is nothing to announce."""
    target = _target(ctx)
    outage_id = target.outage_id if target else None
    outage = await ctx.services.outages.get(outage_id) if outage_id else None
    if outage is None or outage.status is OutageStatus.RESTORED:
        return "gone"
    today = datetime.now(ctx.tz).date()
    values = spoken_outage(ctx, outage, today)
    separator = speech_language(ctx.language).list_separator
    values["where_said"] = separator.join((*outage.areas, *outage.transformers))
    ctx.vars.update(values)
    ctx.record("lookup", what="notice", outage=outage.id, kind=outage.kind.value)
    if outage.kind is OutageKind.LOAD_SHEDDING:
        return "load_shedding" if outage.restore_eta else "load_shedding_no_end"
    return "planned" if outage.restore_eta else "planned_no_end"


async def notice_gone(ctx: CallContext) -> str:
    return await _end(ctx, TargetState.CANCELLED, "the outage was over or withdrawn by the call")


async def notice_unconfirmed(ctx: CallContext) -> str:
    return await _end(ctx, TargetState.COMPLETED, "notice heard, not confirmed", confirmed=False)


async def answering_machine(ctx: CallContext) -> str:
    """AMD (app_amd, its parameters in the PBX's amd.conf) on the answered call: `machine`,
    `hangup`, or `person` (HUMAN, and NOTSURE too: hanging up on a person who spoke in a
    noisy room loses a survey, while a machine taken for a person only hears the call)."""
    await ctx.channel.exec("AMD")
    status = (await ctx.channel.get_variable("AMDSTATUS") or "").upper()
    cause = await ctx.channel.get_variable("AMDCAUSE") or ""
    ctx.vars["_amd_cause"] = cause
    ctx.record("amd", status=status, cause=cause)
    return {"MACHINE": "machine", "HANGUP": "hangup"}.get(status, "person")


async def survey_machine(ctx: CallContext) -> str:
    """A survey needs a person's answers: the attempt counts as `machine` for the retry
    rules, and the call is hung up without a word."""
    target = _target(ctx)
    if target is not None:
        await ctx.services.survey_calls.machine(target, str(ctx.vars.get("_amd_cause", "")))
    return "done"


async def notice_after_greeting(ctx: CallContext) -> str:
    """Wait for the machine's greeting to end (1.5 s of silence, at most 20 s) so the message
    is recorded from its start."""
    await ctx.channel.exec("WaitForSilence", "1500", "1", "20")
    return "done"


async def notice_left(ctx: CallContext) -> str:
    cause = ctx.vars.get("_amd_cause", "")
    return await _end(ctx, TargetState.COMPLETED,
                      f"left as a message on an answering machine (AMD {cause})",
                      confirmed=False)


def _one(name: str, run: object, doc: str) -> Action:
    return Action(name, frozenset({"done"}), run, doc)  # type: ignore[arg-type]


SURVEY_ACTIONS = (
    Action("outbound_target", frozenset({"survey", "notice", "callback", "other", "unknown"}),
           outbound_target, "the target of an answered outbound call, from its attempt id"),
    Action("survey_score_valid", frozenset({"ok", "invalid"}), survey_score_valid,
           "a satisfaction score of 1 to 5"),
    Action("survey_finish", frozenset({"done", "escalated"}), survey_finish,
           "record the answers; not resolved or 1-2 opens an escalation for a supervisor"),
    _one("survey_opt_out", survey_opt_out, "the do-not-call list, the target opted out"),
    _one("survey_wrong_person", survey_wrong_person, "not the customer: ended, nothing read"),
    _one("survey_refused", survey_refused, "declined: ended"),
    _one("callback_connected", callback_connected, "the callback reached the customer"),
    Action("answering_machine", frozenset({"person", "machine", "hangup"}), answering_machine,
           "answering-machine detection (Asterisk's AMD) on an answered outbound call"),
    _one("survey_machine", survey_machine, "an answering machine: the attempt is retried"),
    _one("notice_after_greeting", notice_after_greeting, "the machine's greeting has ended"),
    _one("notice_left", notice_left, "the notice was left as a message on a machine"),
    _one("notice_confirmed", notice_confirmed, "the notice was heard and confirmed"),
    _one("notice_unconfirmed", notice_unconfirmed, "the notice was heard without a key"),
    _one("notice_gone", notice_gone, "nothing to announce any more: the target is cancelled"),
    Action(
        "notice_details",
        frozenset({"planned", "planned_no_end", "load_shedding", "load_shedding_no_end",
                   "gone"}),
        notice_details,
        "the outage an outage notice is about: what, where, from when to when, why",
        sets={"planned": _NOTICE_VALUES | {"ends_said"}, "planned_no_end": _NOTICE_VALUES,
              "load_shedding": _NOTICE_VALUES | {"ends_said"},
              "load_shedding_no_end": _NOTICE_VALUES},
    ),
)
