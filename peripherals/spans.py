"""On/off histories: the state at a time, and the spans a signal was on within a window.

Shared by the LED timelines (leds.py) and the board's power state (power.py).
A history is a time-ordered list of ``(time, on)`` changes after an initial state.
"""

from __future__ import annotations

from collections.abc import Iterable


def state_at(changes: Iterable[tuple[float, bool]], initial: bool, t: float) -> bool:
    """The state at time ``t`` (a change at exactly ``t`` counts)."""
    state = initial
    for time, on in changes:
        if time > t:
            break
        state = on
    return state


def on_spans(
    changes: list[tuple[float, bool]], initial: bool, since: float, until: float
) -> list[tuple[float, float]]:
    """The (start, end) spans the signal was on within [since, until], clipped to it."""
    spans: list[tuple[float, float]] = []
    start = since if state_at(changes, initial, since) else None
    for time, on in changes:
        if time <= since:
            continue
        if time >= until:
            break
        if on and start is None:
            start = time
        elif not on and start is not None:
            if time > start:
                spans.append((start, time))
            start = None
    if start is not None and until > start:
        spans.append((start, until))
    return spans
