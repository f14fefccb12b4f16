"""A PBX simulator that speaks FastAGI like Asterisk, for tests, `ivr call` and benchmarks.

Never imported by the production path.
"""

from ivr.pbxsim.call import asterisk_environment, simulate_call
from ivr.pbxsim.caller import HANG_UP, SILENCE, Caller, Response, parse_response
from ivr.pbxsim.config import DEFAULT_APPLICATIONS, ExecBehaviour, PbxConfig
from ivr.pbxsim.sounds import Sound, SoundLibrary
from ivr.pbxsim.transcript import (
    AppRun,
    CallEnded,
    CallTranscript,
    EndReason,
    Event,
    Exchange,
    Heard,
    KeysPressed,
    Spoke,
    VariableSet,
    describe,
)

__all__ = [
    "DEFAULT_APPLICATIONS",
    "HANG_UP",
    "SILENCE",
    "AppRun",
    "CallEnded",
    "CallTranscript",
    "Caller",
    "EndReason",
    "Event",
    "Exchange",
    "ExecBehaviour",
    "Heard",
    "KeysPressed",
    "PbxConfig",
    "Response",
    "Sound",
    "SoundLibrary",
    "Spoke",
    "VariableSet",
    "asterisk_environment",
    "describe",
    "parse_response",
    "simulate_call",
]
