"""How the simulated PBX and its caller behave: timings, sounds, the channel's identity, and what
each dialplan application run by EXEC does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ivr.pbxsim.amd import AmdParams, CalleeAudio, person_saying_hello
from ivr.pbxsim.sounds import SoundLibrary


@dataclass(frozen=True)
class ExecBehaviour:
    """How a dialplan application run by EXEC behaves on the simulated PBX."""

    result: int = 0
    ends_call: bool = False  # the channel is hung up when the application returns
    sets: Mapping[str, str] = field(default_factory=dict)  # variables it leaves on the channel
    seconds: float = 0.0  # simulated time it runs


# A Queue or Dial that reaches a person returns -1 once the conversation ends (app_queue.c:
# a handled call that ends in a hangup), and Asterisk then pushes HANGUP.
DEFAULT_APPLICATIONS: Mapping[str, ExecBehaviour] = {
    "queue": ExecBehaviour(-1, ends_call=True, seconds=60.0),
    "dial": ExecBehaviour(-1, ends_call=True, sets={"DIALSTATUS": "ANSWER"}, seconds=60.0),
    "hangup": ExecBehaviour(-1, ends_call=True),
    "goto": ExecBehaviour(0),
    "gosub": ExecBehaviour(0),
    "set": ExecBehaviour(0),
    "noop": ExecBehaviour(0),
    "verbose": ExecBehaviour(0),
    "wait": ExecBehaviour(0),
    "answer": ExecBehaviour(0),
    "playback": ExecBehaviour(0),
    "background": ExecBehaviour(0),
    "transfer": ExecBehaviour(0, sets={"TRANSFERSTATUS": "SUCCESS"}),
    "saydigits": ExecBehaviour(0),
    "saynumber": ExecBehaviour(0),
    "sayalpha": ExecBehaviour(0),
    "musiconhold": ExecBehaviour(0),
    # app_waitforsilence.c: returns once the far end has been quiet long enough.
    "waitforsilence": ExecBehaviour(0, sets={"WAITSTATUS": "SILENCE"}, seconds=1.5),
}


@dataclass
class PbxConfig:
    """The simulated PBX and caller. `time_scale` 0 runs instantly; 1 is real time."""

    time_scale: float = 0.0
    sounds: SoundLibrary = field(default_factory=SoundLibrary)
    language: str = "zh"  # the channel's language, as agi_language
    applications: Mapping[str, ExecBehaviour] = field(
        default_factory=lambda: dict(DEFAULT_APPLICATIONS)
    )
    send_sighup: bool = True  # AGISIGHUP: push HANGUP to the FastAGI server
    reaction_seconds: float = 0.8  # into a prompt before the caller presses a key
    digit_interval: float = 0.25  # between keys of one entry
    patience_seconds: float = 60.0  # a silent caller left waiting forever hangs up after this
    speech_onset: float = 0.3  # from the start of a recording until the caller speaks
    caller_voice: str | None = None  # espeak-ng voice for say: (None: by the words' script)
    # False: RECORD FILE's file never reaches the IVR (Asterisk on another host, a directory not
    # shared, a caller silent or gone before anything was written): the reply is as usual.
    recordings_shared: bool = True
    command_timeout: float = 30.0  # real seconds to wait for the IVR's next command
    connect_timeout: float = 5.0
    # Where AGI() runs in asterisk-conf/extensions.conf ([hotline-ivr] s,1); the number the
    # caller dialled reaches the IVR only as agi_dnid (a Local channel sends "unknown" there).
    context: str = "hotline-ivr"
    extension: str = "s"
    priority: int = 1
    dnid: str = "95598"
    channel_tech: str = "PJSIP"
    # What the answering side sends after it answers (AMD listens to it; `ivr.pbxsim.amd`),
    # and the AMD parameters as asterisk-conf/amd.conf sets them.
    callee_audio: CalleeAudio = field(default_factory=person_saying_hello)
    amd: AmdParams = field(default_factory=AmdParams)
    version: str = "22.5.2"
