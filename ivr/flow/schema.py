"""The node types a supervisor may write in a flow file, as pydantic models.

Every model forbids unknown keys, so a misspelt key is reported at load with its line instead
of being silently ignored. Fields that name another node are listed in `targets()`, which the
validator uses to check that every target exists and every node is reachable.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ivr.asterisk_names import QUEUES

DIGITS = "0123456789*#"
LANGUAGES = ("zh-CN", "en-US")
TICKET_KINDS = ("repair", "complaint", "report", "enquiry", "application", "suggestion", "praise")


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def targets(self) -> dict[str, str]:
        """Key path → node name, for every field that names a node in this flow."""
        return {}


class SayNode(_Node):
    """Play a prompt; `for_each` plays it once per item of a list variable."""

    type: Literal["say"]
    prompt: str
    for_each: str | None = None
    keys: dict[str, str] = Field(default_factory=dict)  # a key pressed during playback → node
    next: str

    @field_validator("keys")
    @classmethod
    def _keys_are_digits(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if len(key) != 1 or key not in DIGITS:
                raise ValueError(f"{key!r} is not a single phone key (0-9, *, #)")
        return value

    def targets(self) -> dict[str, str]:
        return {"next": self.next} | {f"keys.{k}": v for k, v in self.keys.items()}


class MenuNode(_Node):
    """Ask for one key; an invalid key or silence is said and the menu repeated, `tries` times."""

    type: Literal["menu"]
    prompt: str
    options: dict[str, str]
    timeout: float = Field(default=5.0, gt=0, le=60)  # seconds of silence after the prompt
    tries: int = Field(default=3, ge=1, le=9)
    invalid_prompt: str = "invalid_key"
    no_input_prompt: str = "no_input"
    on_fail: str
    # Spoken answers: option key → language → phrases. Used only where the recogniser serves
    # the call's language; elsewhere the menu stays keypad-only. Checked in validate.py.
    phrases: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    speech_prompt: str | None = None  # the menu prompt inviting speech ("...or say repair")
    confirm_prompt: str = "speech_confirm"  # "Did you say {choice:text}? ..."
    not_understood_prompt: str = "speech_not_understood"
    confirm_below: float = Field(default=0.25, ge=0, le=1)  # confidence that needs a yes
    speech_seconds: int = Field(default=6, ge=1, le=30)  # longest answer recorded

    @field_validator("options")
    @classmethod
    def _options_are_digits(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("a menu needs at least one option")
        for key in value:
            if len(key) != 1 or key not in DIGITS:
                raise ValueError(f"option {key!r} is not a single phone key (0-9, *, #)")
        return value

    def targets(self) -> dict[str, str]:
        return {f"options.{k}": v for k, v in self.options.items()} | {"on_fail": self.on_fail}


class CollectNode(_Node):
    """Collect digits (ended by `#` or `max_digits`) into a variable, checked by an action."""

    type: Literal["collect"]
    prompt: str
    into: str
    min_digits: int = Field(default=1, ge=1, le=32)
    max_digits: int = Field(default=32, ge=1, le=32)
    timeout: float = Field(default=8.0, gt=0, le=60)
    tries: int = Field(default=3, ge=1, le=9)
    validate_with: str | None = Field(default=None, alias="validate")  # action: outcome ok = accept
    invalid_prompt: str = "invalid_entry"
    no_input_prompt: str = "no_input"
    next: str
    on_fail: str

    def targets(self) -> dict[str, str]:
        return {"next": self.next, "on_fail": self.on_fail}


class ActionNode(_Node):
    """Run a named Python action and follow the branch for the outcome it returns."""

    type: Literal["action"]
    action: str
    outcomes: dict[str, str]

    def targets(self) -> dict[str, str]:
        return {f"outcomes.{k}": v for k, v in self.outcomes.items()}


class BranchNode(_Node):
    """Go on according to the value of a variable."""

    type: Literal["branch"]
    var: str
    cases: dict[str, str]
    default: str

    def targets(self) -> dict[str, str]:
        return {f"cases.{k}": v for k, v in self.cases.items()} | {"default": self.default}


class SetNode(_Node):
    """Set variables, or the language the call continues in."""

    type: Literal["set"]
    language: Literal["zh-CN", "en-US"] | None = None
    vars: dict[str, str | int | bool] = Field(default_factory=dict)
    next: str

    def targets(self) -> dict[str, str]:
        return {"next": self.next}


class TicketNode(_Node):
    """Open a work order (committed before the flow goes on, so it can be read back)."""

    type: Literal["ticket"]
    kind: Literal["repair", "complaint", "report", "enquiry", "application", "suggestion", "praise"]
    description: str  # may name variables as {fault_type}
    priority: int = Field(default=0, ge=0, le=10)
    link_outage: bool = False
    next: str
    # Where to go when the work order cannot be written (database down). Without it the call
    # takes the general fallback (apology, general queue); a danger report must not wait.
    on_error: str | None = None

    def targets(self) -> dict[str, str]:
        return {"next": self.next} | ({"on_error": self.on_error} if self.on_error else {})


class TransferNode(_Node):
    """Hand the caller to an agent queue through Asterisk's Queue application.

    The flow ends when an agent took the call. When Asterisk hands the caller back unanswered
    (no agent logged in, none free in time: QUEUESTATUS), it goes on at `on_unanswered`, or
    the call ends there when that is not given.
    """

    type: Literal["transfer"]
    queue: str  # a queue name, or {var} naming a variable that holds one
    priority: int = Field(default=0, ge=0, le=10)
    prompt: str | None = None
    on_unanswered: str | None = None

    def targets(self) -> dict[str, str]:
        return {"on_unanswered": self.on_unanswered} if self.on_unanswered else {}

    @field_validator("queue")
    @classmethod
    def _known_queue(cls, value: str) -> str:
        if not (value.startswith("{") and value.endswith("}")) and value not in QUEUES:
            raise ValueError(f"unknown queue {value!r} (queues: {', '.join(QUEUES)})")
        return value


class DialNode(_Node):
    """Ring a number (a variable) through the outbound dial template; `next` if unanswered."""

    type: Literal["dial"]
    number: str  # variable holding an E.164 number
    rings: int = Field(default=3, ge=1, le=10)
    prompt: str | None = None
    next: str

    def targets(self) -> dict[str, str]:
        return {"next": self.next}


class GotoNode(_Node):
    """Continue in another flow (at its start, or a named node)."""

    type: Literal["goto"]
    flow: str
    node: str | None = None


class HangupNode(_Node):
    """Say goodbye (optionally) and end the call."""

    type: Literal["hangup"]
    prompt: str | None = None


Node = Annotated[
    SayNode
    | MenuNode
    | CollectNode
    | ActionNode
    | BranchNode
    | SetNode
    | TicketNode
    | TransferNode
    | DialNode
    | GotoNode
    | HangupNode,
    Field(discriminator="type"),
]

NODE_TYPES = ("say", "menu", "collect", "action", "branch", "set", "ticket", "transfer", "dial",
              "goto", "hangup")


class FlowFile(BaseModel):
    """One YAML file in `flows/`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    flow: str
    description: str = ""
    start: str
    nodes: dict[str, Node]


def prompt_fields(node: _Node) -> dict[str, str]:
    """Key → prompt name, for every field of a node that names a prompt."""
    names = ("prompt", "invalid_prompt", "no_input_prompt", "speech_prompt", "confirm_prompt",
             "not_understood_prompt")
    return {k: v for k in names if isinstance(v := getattr(node, k, None), str)}
