"""Names shared between the IVR and the Asterisk configuration in `asterisk-conf/`.

The flow engine transfers to these queues and Asterisk runs this FastAGI script; a test checks
that `asterisk-conf/` defines exactly these, so a rename on one side cannot silently strand calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ivr.db.enums import Language, Skill
from ivr.speech.languages import SPEECH_LANGUAGES

# Queues, in the order a supervisor usually reads them: one per agent skill (`Skill` is their
# one home). `general` is also the dialplan fallback. Flows, the API and reports use these names.
QUEUES: Final = tuple(skill.value for skill in Skill)
FALLBACK_QUEUE: Final = Skill.GENERAL.value

# The names Asterisk knows them by, for Queue(), QueueAdd and AMI events. They differ for one
# queue only: app_queue reads the [general] section of queues.conf as its global settings, so a
# queue cannot be called "general" there.
ASTERISK_QUEUES: Final = {queue: queue for queue in QUEUES} | {"general": "general-enquiry"}
_LOGICAL_QUEUES: Final = {v: k for k, v in ASTERISK_QUEUES.items()}


def asterisk_queue(queue: str) -> str:
    """The Asterisk queue for a hotline queue name (`general` -> `general-enquiry`)."""
    return ASTERISK_QUEUES[queue]


def hotline_queue(asterisk_name: str) -> str:
    """The hotline's name for an Asterisk queue; unknown names pass through unchanged."""
    return _LOGICAL_QUEUES.get(asterisk_name, asterisk_name)


# The FastAGI script name: `AGI(agi://host:4573/hotline)`.
AGI_SCRIPT: Final = "hotline"

# Dialplan contexts the IVR relies on.
INBOUND_CONTEXT: Final = "hotline-inbound"  # calls from the carrier (and test Local channels)
IVR_CONTEXT: Final = "hotline-ivr"  # runs the FastAGI script, with the fallback when it fails
AGENTS_CONTEXT: Final = "hotline-agents"  # what agent phones may dial
OUTBOUND_CONTEXT: Final = "hotline-outbound"  # Originate targets for surveys and managers
TEST_CONTEXT: Final = "hotline-test"  # Local-channel loopback for tests and demos
AGI_HOSTS_CONTEXT: Final = "hotline-agi"  # Gosub: the IVR processes tried in turn
CONTEXTS: Final = (INBOUND_CONTEXT, IVR_CONTEXT, AGENTS_CONTEXT, OUTBOUND_CONTEXT, TEST_CONTEXT,
                   AGI_HOSTS_CONTEXT)

# The entry flows the dialplan names (extensions.conf: AGI(agi://.../hotline)): any FastAGI
# request may start these. Every other flow (callback, repair, ...) is reached from them, or
# started directly only by a request from the contexts where the PBX itself runs AGI().
CALLER_ENTRY_FLOWS: Final = frozenset({AGI_SCRIPT})
PBX_AGI_CONTEXTS: Final = frozenset({IVR_CONTEXT, OUTBOUND_CONTEXT, AGI_HOSTS_CONTEXT})

# The hotline's own number; sites list further numbers in asterisk-conf/hotline-numbers.conf.
HOTLINE_NUMBER: Final = "95598"

# Channel variables the IVR sets before `EXEC Queue`, read by agents' screens and the dialplan.
VAR_ACCOUNT: Final = "IVR_ACCOUNT"  # the identified 10-digit account, or empty
VAR_LANGUAGE: Final = "IVR_LANGUAGE"  # zh-CN | en-US
VAR_TICKET: Final = "IVR_TICKET"  # work order number opened during the call, or empty
VAR_VERIFIED: Final = "IVR_VERIFIED"  # yes: the caller proved they hold IVR_ACCOUNT; else no
VAR_QUEUE_PRIO: Final = "QUEUE_PRIO"  # app_queue reads this: higher is answered first
# Set by the IVR when it ends a call on purpose with the channel still up; the dialplan reads
# its absence after AGI() as an IVR process lost mid-call and sends the caller to the fallback.
VAR_DONE: Final = "IVR_DONE"
VAR_DONE_VALUE: Final = "yes"
# [globals]: the FastAGI addresses (host:port) of the IVR processes, separated by this.
AGI_HOSTS_GLOBAL: Final = "IVR_AGI_HOSTS"
AGI_HOSTS_SEPARATOR: Final = "&"
CHANNEL_VARIABLES: Final = (VAR_ACCOUNT, VAR_LANGUAGE, VAR_QUEUE_PRIO, VAR_TICKET, VAR_VERIFIED)

# Queue priorities the IVR uses (QUEUE_PRIO); emergency reports first, key customers next.
PRIORITY_EMERGENCY: Final = 10
PRIORITY_KEY_CUSTOMER: Final = 5
PRIORITY_NORMAL: Final = 0


# CHANNEL(language) per hotline language: Asterisk plays its own sounds (queue announcements,
# the fallback apology, SayNumber) from sounds/<this>/, written by `ivr prompts pbx-sounds`.
ASTERISK_LANGUAGES: Final[Mapping[Language, str]] = {
    language: row.asterisk for language, row in SPEECH_LANGUAGES.items()
}
DEFAULT_CHANNEL_LANGUAGE: Final = ASTERISK_LANGUAGES[Language.ZH_CN]  # extensions.conf
FUNC_CHANNEL_LANGUAGE: Final = "CHANNEL(language)"  # set by the IVR before Queue


def channel_language(language: str) -> str:
    """The Asterisk channel language for a hotline language (zh-CN -> zh)."""
    return ASTERISK_LANGUAGES.get(Language(language), DEFAULT_CHANNEL_LANGUAGE)
