"""The simulator's `BrowserChannel` answers the flow as Asterisk would for the same caller:
GET DATA's `#` and digit limit, a prompt stopped only by its escape keys, words typed over a
prompt kept for the next speech prompt, a hang-up, and a queue that ends the call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import pytest

from ivr.channel import ChannelHangup
from ivr.web.pages.flow_sim import BrowserChannel, CallerInput, TypedRecognizer

T = TypeVar("T")


async def _answer(channel: BrowserChannel, pending: Awaitable[T], given: CallerInput) -> T:
    task = asyncio.ensure_future(pending)
    await asyncio.wait_for(channel.waiting.wait(), 5)
    await channel.inputs.put(given)
    return await asyncio.wait_for(task, 5)


async def test_get_data_ends_at_hash_or_the_digit_limit() -> None:
    channel = BrowserChannel("+8613700137000")
    result = await _answer(channel, channel.get_data("p", 5000, 10),
                           CallerInput("keys", "5100012300#"))
    assert (result.digits, result.timed_out) == ("5100012300", False)
    result = await _answer(channel, channel.get_data("p", 5000, 4), CallerInput("keys", "123"))
    assert (result.digits, result.timed_out) == ("123", True)  # too few: the wait ran out
    result = await _answer(channel, channel.get_data("p", 5000, 4), CallerInput("say", "hi"))
    assert (result.digits, result.timed_out) == ("", True)  # GET DATA hears keys only


async def test_only_escape_keys_stop_a_prompt_and_words_wait_for_speech(tmp_path: Path) -> None:
    channel = BrowserChannel(None)
    assert await _answer(channel, channel.stream_file("menu", "12"), CallerInput("keys", "2")) \
        == "2"
    assert await _answer(channel, channel.stream_file("menu", "12"),
                         CallerInput("keys", "7")) is None
    assert channel.listening_for == ""
    # typed over the prompt: the prompt plays out, the next recording hears the words
    assert await _answer(channel, channel.stream_file("menu", "12"),
                         CallerInput("say", "bill")) is None
    result = await channel.record_file(str(tmp_path / "answer"), "wav", "0123456789*#")
    assert result.digit is None and (tmp_path / "answer.wav").stat().st_size > 44
    heard = await TypedRecognizer(channel).recognize(b"", 8000, ["repair", "bill"], "en-US")
    assert (heard.text, heard.phrase_index) == ("bill", 1)
    assert await channel.stream_file("no keys") is None  # nothing to wait for
    assert [h.audio.name for h in channel.heard] == ["menu.wav"] * 3 + ["no keys.wav"]


async def test_a_hang_up_and_a_queue_end_the_call() -> None:
    channel = BrowserChannel(None)
    with pytest.raises(ChannelHangup):
        await _answer(channel, channel.wait_for_digit(5000), CallerInput("hangup"))
    with pytest.raises(ChannelHangup):
        await channel.answer()
    queued = BrowserChannel(None)
    assert await queued.exec("Queue", "billing", "t") == -1
    assert queued.events == ["Queue(billing,t)"]
    with pytest.raises(ChannelHangup):
        await queued.get_variable("QUEUESTATUS")
