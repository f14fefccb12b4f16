"""The one place node tests build a `CallContext` and mark a caller identified or verified.

Tests go through `make_context` and `identify` so that a change to the context's constructor
or to the way it holds the caller's identity touches this file only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from ivr.channel import Channel
from ivr.db.enums import CallOutcome
from ivr.db.models import Customer
from ivr.flow import schema
from ivr.flow.context import CallContext
from ivr.flow.engine import CallRunner
from ivr.flow.flowset import FlowSet, load_flow_set
from ivr.flow.speech_input import CallSpeech
from ivr.services.customers import CustomerInfo, customer_info
from ivr.services.hotline_services import HotlineServices
from ivr.speech.build import load_prompt_texts
from ivr.speech.tts import Synthesizer

ROOT = Path(__file__).resolve().parents[3]
TIMEZONE = "Asia/Shanghai"
OUTBOUND_DIAL = "PJSIP/{number}@carrier"
RING_SECONDS = 5.0
ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]  # static prompt texts by name
EN = load_prompt_texts(ROOT / "prompts")["en-US"]

N = TypeVar("N", bound=schema.NodeModel)


class TextSynthesizer:
    """A `Synthesizer` without audio: the path of a prompt is its words, so a test can tell
    which prompt a file is (`press(..., during=ZH["greeting"])`)."""

    def __init__(self) -> None:
        self.rendered: list[tuple[str, str]] = []  # (text, language)

    async def render(self, text: str, language: str) -> Path:
        self.rendered.append((text, language))
        return Path("/tts") / language / text.replace("/", "∕")  # one path segment per prompt


@cache
def shipped_flows() -> FlowSet:
    return load_flow_set(ROOT / "flows", ROOT / "prompts")


def flows_from_yaml(directory: Path, **files: str) -> FlowSet:
    """A flow set of small flows (file stem → YAML) with the shipped prompts."""
    flows_dir = directory / "flows"
    flows_dir.mkdir(parents=True, exist_ok=True)
    for stem, text in files.items():
        (flows_dir / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return load_flow_set(flows_dir, ROOT / "prompts")


def shipped_node(flow: str, name: str, kind: type[N]) -> N:
    node = shipped_flows().flows[flow].nodes[name]
    assert isinstance(node, kind), f"{flow}.{name} is a {type(node).__name__}"
    return node


def make_node(kind: type[N], **fields: Any) -> N:
    """A node as a flow file would declare it (YAML keys, e.g. `validate`)."""
    return kind.model_validate(fields)


def make_context(
    channel: Channel,
    *,
    services: HotlineServices,
    flows: FlowSet | None = None,
    synth: Synthesizer | None = None,
    language: str = "zh-CN",
    speech: CallSpeech | None = None,
    **values: Any,
) -> CallContext:
    """A call's context as the engine builds it at answer; `values` are flow variables."""
    ctx = CallContext(
        channel=channel,
        flows=flows or shipped_flows(),
        services=services,
        synth=synth or TextSynthesizer(),
        language=language,
        outbound_dial=OUTBOUND_DIAL,
        ring_seconds=RING_SECONDS,
        tz=ZoneInfo(TIMEZONE),
        speech=speech,
    )
    ctx.vars.update(values)
    return ctx


def make_runner(services: HotlineServices, flows: FlowSet | None = None) -> CallRunner:
    """The engine with the same settings as `make_context` gives a single node."""
    chosen = flows or shipped_flows()
    return CallRunner(flows=lambda: chosen, services=services, synth=TextSynthesizer(),
                      default_language="zh-CN", outbound_dial=OUTBOUND_DIAL,
                      ring_seconds=RING_SECONDS, timezone=TIMEZONE)


def identify(ctx: CallContext, customer: Customer | CustomerInfo, *, verified: bool = True) -> None:
    """The caller is known to be calling about `customer`'s premises (and verified for them),
    as the identify actions leave it."""
    info = customer if isinstance(customer, CustomerInfo) else customer_info(customer)
    ctx.identify(info, verified=verified)


def outcome(ctx: CallContext) -> str | None:
    """How the call ended so far (self_served, transferred, caller_hung_up, error), as text."""
    return None if ctx.outcome is None else str(ctx.outcome)


def set_outcome(ctx: CallContext, value: str) -> None:
    ctx.outcome = CallOutcome(value)


def identified_account(ctx: CallContext) -> str | None:
    """The account the call is about, once the caller is identified."""
    return ctx.account


def is_verified(ctx: CallContext) -> bool:
    return ctx.is_verified


# --- reading the journey -----------------------------------------------------------------------


def events(ctx: CallContext, kind: str) -> list[dict[str, Any]]:
    """The data of every journey event of `kind`, in order."""
    return [dict(e.data) for e in ctx.journey if e.kind == kind]


def kinds(ctx: CallContext) -> list[str]:
    return [e.kind for e in ctx.journey]


def prompts_heard(ctx: CallContext) -> list[str]:
    """Names of the prompts played, in order."""
    return [str(e.data["name"]) for e in ctx.journey if e.kind == "prompt"]
