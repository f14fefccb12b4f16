"""Names shared between the IVR and the Asterisk configuration in `asterisk-conf/`.

The flow engine transfers to these queues and Asterisk runs this FastAGI script; a test checks
that `asterisk-conf/` defines exactly these, so a rename on one side cannot silently strand calls.
"""

from __future__ import annotations

from typing import Final

# Queues, in the order a supervisor usually reads them. `general` is also the dialplan fallback.
QUEUES: Final = ("repair", "billing", "complaint", "general", "emergency")
FALLBACK_QUEUE: Final = "general"

# The FastAGI script name: `AGI(agi://host:4573/hotline)`.
AGI_SCRIPT: Final = "hotline"

# Dialplan contexts the IVR relies on.
INBOUND_CONTEXT: Final = "hotline-inbound"  # calls from the carrier (and test Local channels)
AGENTS_CONTEXT: Final = "hotline-agents"  # what agent phones may dial
OUTBOUND_CONTEXT: Final = "hotline-outbound"  # Originate targets for surveys and managers
TEST_CONTEXT: Final = "hotline-test"  # Local-channel loopback for tests and demos
CONTEXTS: Final = (INBOUND_CONTEXT, AGENTS_CONTEXT, OUTBOUND_CONTEXT, TEST_CONTEXT)

# The hotline's own number; sites list further numbers in asterisk-conf/hotline-numbers.conf.
HOTLINE_NUMBER: Final = "95598"

# Channel variables the IVR sets before `EXEC Queue`, read by agents' screens and the dialplan.
VAR_ACCOUNT: Final = "IVR_ACCOUNT"  # the identified 10-digit account, or empty
VAR_LANGUAGE: Final = "IVR_LANGUAGE"  # zh-CN | en-US
VAR_TICKET: Final = "IVR_TICKET"  # work order number opened during the call, or empty
VAR_QUEUE_PRIO: Final = "QUEUE_PRIO"  # app_queue reads this: higher is answered first
CHANNEL_VARIABLES: Final = (VAR_ACCOUNT, VAR_LANGUAGE, VAR_QUEUE_PRIO, VAR_TICKET)

# Queue priorities the IVR uses (QUEUE_PRIO); emergency reports first, key customers next.
PRIORITY_EMERGENCY: Final = 10
PRIORITY_KEY_CUSTOMER: Final = 5
PRIORITY_NORMAL: Final = 0
