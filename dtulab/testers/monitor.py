"""Renode's monitor commands (``Execute Command``) on a dtulab bench.

Renode's keyword (renode/renode ``src/Renode/RobotFrameworkEngine/RenodeKeywords.cs``,
``ExecuteCommand``) joins its fragments with spaces, has the monitor run the
line and returns what the monitor printed. A line the monitor cannot run
fails with ``KeywordException: Could not execute command '<line>': <why>``,
one that fails while running with ``KeywordException: There was an error
when executing command '<line>': <error>``.

On a dtulab bench the monitor is the bench's control language
(dtulab/control.py, what ``dtulab run`` reads on its standard input):
``power on|off``, ``rail dc|dip <volts>``, ``fault``, ``clear``, ``send``,
``received``, ``sms``, ``sent``, ``call``, ``hangup``, ``timeline``,
``status``, ``transcript``, ``help``; what the command prints is what the
keyword returns. Renode's own monitor commands that mean something on a bench
running in real time are in ``RENODE``, by their first two words::

    emulation RunFor "<time>"   let the bench run for <time>: Renode's
                                [[h:]m:]s[.fff]; the bench never pauses, so
                                this only waits (Renode runs a paused
                                emulation for that long and pauses it again;
                                on TARGET:renode too, where the machine always
                                runs and Renode would refuse it)

Any other line fails, naming its command. A bench command the target cannot
do is ``Unsupported`` (the test is skipped with the reason), as everywhere.
On ``TARGET:renode`` a line that is not a bench command is Renode's own:
``renode_monitor`` runs it in Renode's monitor through its robot server
(platforms/renode/robot_server.py); elsewhere there is no such monitor.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable

from dtulab import control
from dtulab.platforms.base import TargetError, Unsupported
from dtulab.platforms.renode.robot_server import RenodeError
from dtulab.testers.provider import KeywordException
from dtulab.world import World

Command = Callable[[World, list[str]], str]
RENODE: dict[str, Command] = {}  # Renode's monitor commands the bench does, by first two words


def renode_command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        RENODE[name] = fn
        return fn

    return register


def time_interval(text: str) -> float:
    """Seconds in Renode's ``TimeInterval.TryParse``: the first ``[[h:]m:]s[.fff]`` in
    ``text`` (so ``5s`` is 5 s and ``100ms`` is 100 s, as in Renode)."""
    m = re.search(r"(((?P<h>[0-9]+):)?(?P<m>[0-9]+):)?(?P<s>[0-9]+)(?P<f>\.[0-9]+)?", text)
    if m is None:
        raise ValueError(
            f"Could not parse {text} to time interval. Provide input in form 00:00:00.0000"
        )
    h, mins, s = (int(m.group(g) or 0) for g in ("h", "m", "s"))
    return h * 3600 + mins * 60 + s + float("0" + (m.group("f") or ""))


@renode_command("emulation RunFor")
def _run_for(world: World, args: list[str]) -> str:
    if len(args) != 1:
        raise ValueError('usage: emulation RunFor "<time>"')
    seconds = time_interval(args[0])
    world.run(world.clock.sleep(seconds), seconds + 30)
    return ""


def renode_monitor(world: World, line: str) -> str:
    """On ``TARGET:renode``: a line for Renode's own monitor, run through its robot server
    (``Target.monitor``); Renode's error is the keyword's, in Renode's words."""
    try:
        return world.run(world.target.monitor(line))
    except RenodeError as exc:
        raise KeywordException(exc.error.removeprefix("KeywordException: ")) from None
    except TargetError as exc:  # Renode did not answer
        raise KeywordException(
            f"There was an error when executing command '{line}': {exc}"
        ) from None


def execute(world: World, line: str) -> str:
    """Run one monitor line on the bench; the text it prints."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise KeywordException(f"Could not execute command '{line}': {exc}") from None
    if not words:
        return ""
    try:
        if words[0] in control.COMMANDS:
            return control.run(world, line)
        command = RENODE.get(" ".join(words[:2]))  # the bench's meaning, on every target
        if command is None and world.target.name == "renode":
            return renode_monitor(world, line)
        if command is None:
            known = ", ".join([*control.COMMANDS, *RENODE])
            raise KeywordException(
                f"Could not execute command '{line}': the {world.target.name} bench has no "
                f"monitor command '{words[0]}' (it has: {known})"
            )
        return command(world, words[2:])
    except Unsupported:
        raise
    except control.ERRORS as exc:
        raise KeywordException(
            f"There was an error when executing command '{line}': {exc}"
        ) from None
