"""Renode's tester bookkeeping and its errors, for testers on a dtulab bench.

Renode keeps one ``TestersProvider`` per kind of tester, UART and LED
(renode/renode ``src/Renode/RobotFrameworkEngine/TestersProvider.cs``).
``CreateNewTester`` gives a peripheral's tester an id, counting from 0, and
the same id again for the same peripheral (a second call's defaults are
ignored); ``GetTesterOrThrowException`` picks the tester a keyword names by
``testerId``, or without one the default (``SetDefaultTesterId``), or the only
tester, and refuses otherwise. A new emulation starts without testers; here,
a new bench (``Start Bench``).

Renode's keywords fail with .NET exceptions, which its robot server hands to
Robot as ``<type>: <message>`` (``XmlRpcServer.cs``,
``BuildRecursiveValueFromException``), so Renode suites match on that, e.g.
``Run Keyword And Expect Error    KeywordException: *``. The errors here read
the same: ``KeywordException`` (a keyword used wrongly),
``InvalidOperationException`` (an assertion not met), ``ArgumentException``
(a bad argument). Where dtulab knows more than Renode says (which phase broke
a pattern), that follows on a line of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")  # what a tester is on (a peripheral)
T = TypeVar("T")  # the tester


class RenodeError(Exception):
    """A keyword's failure as Renode reports it: ``<.NET type>: <message>``."""

    ROBOT_SUPPRESS_NAME = True  # Robot shows the message, which names the type itself
    kind = "Exception"

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(f"{self.kind}: {message}" + (f"\n{detail}" if detail else ""))
        self.message = message


class KeywordException(RenodeError, LookupError):
    """A keyword used wrongly: no such tester, peripheral or machine."""

    kind = "KeywordException"


class InvalidOperation(RenodeError, AssertionError):
    """A tester's assertion not met."""

    kind = "InvalidOperationException"


class ArgumentError(RenodeError, ValueError):
    """An argument out of its range."""

    kind = "ArgumentException"

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(f"{message} (Parameter '{parameter}')")  # .NET's ArgumentException


def dotnet(value: float) -> str:
    """``value`` as .NET's ``double.ToString()`` writes it in Renode's messages: the shortest
    text that reads back the same, no ``.0`` on whole numbers, ``NaN``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value).replace("e", "E")


class Testers(Generic[K, T]):
    """The testers of one kind on a bench, by id: Renode's ``TestersProvider``."""

    def __init__(self) -> None:
        self._peripherals: list[K] = []  # the index is the tester's id
        self._testers: dict[int, T] = {}
        self._default: T | None = None

    def create(self, peripheral: K, make: Callable[[K], T]) -> int:
        """The id of ``peripheral``'s tester, made by ``make`` unless it has one already."""
        if peripheral in self._peripherals:
            return self._peripherals.index(peripheral)
        tester = make(peripheral)  # first: a tester that cannot be made takes no id
        self._peripherals.append(peripheral)
        tester_id = len(self._peripherals) - 1
        self._testers[tester_id] = tester
        return tester_id

    def set_default(self, tester_id: int | None) -> None:
        """Make tester ``tester_id`` the one keywords use without an id (None: no default)."""
        if tester_id is None:
            self._default = None
            return
        if tester_id not in self._testers:
            raise KeywordException(
                f"Tester #{tester_id} was not found. Create a tester before setting it as default"
            )
        self._default = self._testers[tester_id]

    def get(self, tester_id: int | None) -> T:
        """Tester ``tester_id``; without one the default, or the only tester."""
        if tester_id is None:
            if self._default is not None:
                return self._default
            if len(self._testers) != 1:
                raise KeywordException(
                    "There are no testers available."
                    if not self._testers
                    else "There is more than one tester available - "
                    "please specify ID of the desired tester."
                )
            return next(iter(self._testers.values()))
        if tester_id not in self._testers:
            raise KeywordException(
                f"Tester for given ID={tester_id} was not found. "
                "Did you forget to create the tester?"
            )
        return self._testers[tester_id]
