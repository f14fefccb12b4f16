"""Guessing the last four digits is bounded across calls: hanging up and dialling again buys no
more tries, per account and per calling number."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ivr.db.session import Database
from ivr.pbxsim.transcript import CallTranscript
from ivr.services.calls import CallRecord
from ivr.speech.build import load_prompt_texts
from tests.conftest import CustomerFactory
from tests.hotline import ACCOUNT, ROOT, Dial, add_bills

ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]
EN = load_prompt_texts(ROOT / "prompts")["en-US"]
Journey = Callable[[CallTranscript], Awaitable[CallRecord]]
STRANGER = "+8613700000000"


def verifications(record: CallRecord) -> list[Mapping[str, Any]]:
    return [e.data for e in record.events if e.kind == "verification"]


async def test_five_failures_across_calls_lock_the_account(
    call: Dial, db: Database, add_customer: CustomerFactory, journey: Journey
) -> None:
    await add_customer()
    await add_bills(db)
    # Three wrong tries in the first call (then the billing queue), two in the second...
    first = await call("3", f"{ACCOUNT}#", "1111", "2222", "3333", caller=STRANGER)
    assert first.prompts.count(ZH["verify_failed"]) == 2
    assert ZH["verify_locked"] not in first.prompts
    second = await call("3", f"{ACCOUNT}#", "4444", "5555", caller=STRANGER)
    # ...the fifth failure locks: the caller is told and put through to a person.
    assert ZH["verify_locked"] in second.prompts
    assert [a.application.lower() for a in second.apps].count("queue") == 1
    record = await journey(second)
    assert record.queue == "billing"
    assert verifications(record)[-1] == {"method": "last4", "ok": False, "locked": True}

    # From another phone, even the right digits are refused for the period: no bill is read.
    third = await call("3", f"{ACCOUNT}#", "8000", caller="+8613900000000")
    assert ZH["verify_locked"] in third.prompts
    assert not any("元" in p for p in third.prompts)
    assert verifications(await journey(third)) == [
        {"method": "last4", "ok": False, "locked": True}]


async def test_a_calling_number_guessing_across_accounts_is_locked(
    call: Dial, db: Database, add_customer: CustomerFactory, journey: Journey
) -> None:
    await add_customer()
    await add_customer(account="5100012346", phone="+8613800138001")
    await call("3", f"{ACCOUNT}#", "1111", "2222", "3333", caller=STRANGER)
    t = await call("3", "5100012346#", "1111", "2222", caller=STRANGER)
    assert ZH["verify_locked"] in t.prompts
    # The account owner calling from their own phone is verified by caller id as ever.
    own = await call("3", "", caller="+8613800138001")
    assert ZH["verify_locked"] not in own.prompts and ZH["enter_account"] not in own.prompts


async def test_a_verified_caller_after_a_mistake_hears_the_bill(
    call: Dial, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    await add_bills(db)
    t = await call("3", f"{ACCOUNT}#", "1111", "8000", "", caller=STRANGER)
    assert t.prompts.count(ZH["verify_failed"]) == 1
    assert any(p.startswith("您的账户当前欠费") for p in t.prompts)


def test_the_locked_prompt_exists_in_every_language() -> None:
    assert ZH["verify_locked"] and EN["verify_locked"]
