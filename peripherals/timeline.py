"""Pictures of what the board did over time: LEDs, input voltage, link traffic.

One row per LED (on spans), the board's input voltage as a step line with the
supervisor's thresholds (power.py: 9 V on, 7.5 V brown-out), whether the
board was powered, and one row per link with a mark for each chunk in its
transcript (transcript.py; entry times are relative to ``transcript.start``
and are converted to clock time here). The time axis is seconds from
``since``. Two renderings of the same data:

- ``render_text``: fixed-width rows for logs and terminals (``█`` on for the
  whole cell, ``▒`` on for part of it, ``·`` off; links ``r``/``t``/``*``).
- ``render_svg``: a standalone SVG document (no dependencies, no scripts),
  for reports; ``write_svg`` saves it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from dtulab.peripherals.leds import Led, LedBank
from dtulab.peripherals.power import PowerSupply
from dtulab.peripherals.transcript import Transcript

LED_COLOURS = {"POW": "#d62728", "NET": "#2ca02c", "DATA": "#e6a000"}
SPARK = "▁▂▃▄▅▆▇█"


def _check_window(since: float, until: float) -> float:
    if not until > since:
        raise ValueError(f"empty window: until ({until}) must be after since ({since})")
    return until - since


def nice_step(span: float, target: int = 6) -> float:
    """A 1-2-5 step that cuts ``span`` into about ``target`` parts."""
    raw = span / max(1, target)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _ticks(span: float, target: int = 6) -> list[float]:
    step = nice_step(span, target)
    return [i * step for i in range(int(span / step + 1e-9) + 1)]


def _fmt_seconds(t: float) -> str:
    return f"{t:.6f}".rstrip("0").rstrip(".") or "0"


def _link_times(transcript: Transcript, since: float, until: float) -> list[tuple[float, str]]:
    marks = []
    for entry in transcript.entries:
        t = transcript.start + entry.time
        if since <= t <= until:
            marks.append((t, entry.direction))
    return marks


def _covered(spans: list[tuple[float, float]], a: float, b: float) -> float:
    """The fraction of [a, b] covered by the spans."""
    total = sum(max(0.0, min(end, b) - max(start, a)) for start, end in spans)
    return total / (b - a)


# --- text ---------------------------------------------------------------------------


def render_text(
    leds: LedBank,
    power: PowerSupply | None,
    links: Mapping[str, Transcript] | None,
    since: float,
    until: float,
    *,
    width: int = 60,
) -> str:
    """Fixed-width rows, ``width`` cells over [since, until], plus the power events."""
    span = _check_window(since, until)
    cell = span / width
    edges = [since + i * cell for i in range(width + 1)]
    names = [led.name for led in leds] + list(links or {}) + ["V in", "power"]
    label_width = max(len(n) for n in names) + 2

    def row(label: str, cells: str, suffix: str = "") -> str:
        return f"{label:<{label_width}}{cells}{suffix}".rstrip()

    axis = [" "] * (width + 12)
    for t in _ticks(span):
        pos = round(t / cell)
        text = _fmt_seconds(t)
        if all(c == " " for c in axis[max(0, pos - 1) : pos + len(text) + 1]):
            axis[pos : pos + len(text)] = list(text)
    lines = [row("t/s", "".join(axis))]

    def led_cells(spans: list[tuple[float, float]]) -> str:
        out = []
        for a, b in pairwise(edges):
            f = _covered(spans, a, b)
            out.append("█" if f >= 0.999 else "▒" if f > 0 else "·")
        return "".join(out)

    for led in leds:
        lines.append(row(led.name, led_cells(led.on_intervals(since, until))))
    if power is not None:
        steps = power.voltage_steps(since, until)
        peaks = []
        for a, b in pairwise(edges):
            values = [v for t, v in steps if a <= t < b]
            values.append(power.voltage_at(a))
            peaks.append(max(values))
        top = max(max(peaks), power.ON_VOLTAGE)
        spark = "".join(
            SPARK[min(len(SPARK) - 1, round(v / top * (len(SPARK) - 1)))] if v > 0 else " "
            for v in peaks
        )
        lines.append(row("V in", spark, f"  0–{top:g} V"))
        lines.append(row("power", led_cells(power.on_intervals(since, until))))
    for name, transcript in (links or {}).items():
        cells: list[set[str]] = [set() for _ in range(width)]
        for t, direction in _link_times(transcript, since, until):
            cells[min(width - 1, int((t - since) / cell))].add(direction)
        marks = "".join(
            "*" if len(c) > 1 else "r" if "rx" in c else "t" if "tx" in c else "·" for c in cells
        )
        lines.append(row(name, marks))
    if power is not None:
        for t, what, volts in power.events:
            if since <= t <= until and what not in ("DC", "DIP"):
                lines.append(f"  {t - since:9.3f} s  {what} ({volts:g} V)")
    return "\n".join(lines) + "\n"


# --- SVG ----------------------------------------------------------------------------


class _Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, tag: str, text: str | None = None, **attrs: object) -> None:
        rendered = " ".join(
            f"{key.rstrip('_').replace('_', '-')}={quoteattr(str(value))}"
            for key, value in attrs.items()
        )
        if text is None:
            self.parts.append(f"<{tag} {rendered}/>")
        else:
            self.parts.append(f"<{tag} {rendered}>{escape(text)}</{tag}>")


def render_svg(
    leds: LedBank,
    power: PowerSupply | None,
    links: Mapping[str, Transcript] | None,
    since: float,
    until: float,
    *,
    width: int = 960,
) -> str:
    """A standalone SVG picture of [since, until]; LED on spans are ``rect.led-on``."""
    span = _check_window(since, until)
    left, right, top = 90, 130, 28
    plot = width - left - right
    led_h, volt_h, link_h = 26, 120, 30

    def x(t: float) -> float:
        return round(left + (t - since) / span * plot, 2)

    svg = _Svg()
    y = top
    rows_top = y

    def label(text: str, y_mid: float) -> None:
        svg.add("text", text, x=left - 10, y=round(y_mid + 4, 2), text_anchor="end")

    def led_row(led: Led, y0: float) -> None:
        colour = LED_COLOURS.get(led.name, "#1f77b4")
        label(led.name, y0 + led_h / 2)
        svg.add("rect", x=left, y=y0 + 6, width=plot, height=led_h - 12, class_="led-off")
        for a, b in led.on_intervals(since, until):
            svg.add(
                "rect",
                x=x(a),
                y=y0 + 4,
                width=max(0.5, round(x(b) - x(a), 2)),
                height=led_h - 8,
                fill=colour,
                class_="led-on",
                data_led=led.name,
            )

    body_start = len(svg.parts)
    for led in leds:
        led_row(led, y)
        y += led_h

    if power is not None:
        y += 8
        steps = power.voltage_steps(since, until)
        vmax = max([v for _, v in steps] + [power.ON_VOLTAGE])
        vtop = max(15.0, math.ceil(vmax * 1.1 / 5) * 5)

        def vy(volts: float) -> float:
            return round(y + volt_h - volts / vtop * volt_h, 2)

        label("V in", y + volt_h / 2)
        for a, b in power.on_intervals(since, until):
            svg.add(
                "rect", x=x(a), y=y, width=round(x(b) - x(a), 2), height=volt_h, class_="powered"
            )
        svg.add("line", x1=left, y1=vy(0), x2=left + plot, y2=vy(0), class_="axis")
        shown = [
            (volts, name)
            for volts, name in (
                (power.OVER_VOLTAGE, "over-voltage"),
                (power.ON_VOLTAGE, "on"),
                (power.BROWN_OUT, "brown-out"),
            )
            if volts <= vtop
        ]
        label_y = -math.inf
        for volts, name in shown:  # top to bottom; labels pushed apart to stay legible
            svg.add("line", x1=left, y1=vy(volts), x2=left + plot, y2=vy(volts), class_="threshold")
            label_y = max(vy(volts) + 4, label_y + 12)
            svg.add("text", f"{volts:g} V {name}", x=left + plot + 6, y=label_y, class_="small")
        for volts in (0.0, vtop):
            svg.add(
                "text",
                f"{volts:g} V",
                x=left - 4,
                y=vy(volts) + 4,
                text_anchor="end",
                class_="small",
            )
        points = []
        for i, (t, volts) in enumerate(steps):
            if i:
                points.append(f"{x(t)},{vy(steps[i - 1][1])}")
            points.append(f"{x(t)},{vy(volts)}")
        points.append(f"{x(until)},{vy(steps[-1][1])}")
        svg.add("polyline", points=" ".join(points), class_="voltage")
        y += volt_h + 8

    for name, transcript in (links or {}).items():
        label(name, y + link_h / 2)
        svg.add(
            "line", x1=left, y1=y + link_h / 2, x2=left + plot, y2=y + link_h / 2, class_="axis"
        )
        seen: set[tuple[int, str]] = set()
        for t, direction in _link_times(transcript, since, until):
            px = int(x(t) * 2)  # one mark per half pixel and direction
            if (px, direction) in seen:
                continue
            seen.add((px, direction))
            y1, y2 = (
                (y + 3, y + link_h / 2) if direction == "rx" else (y + link_h / 2, y + link_h - 3)
            )
            svg.add("line", x1=px / 2, y1=y1, x2=px / 2, y2=y2, class_=direction)
        y += link_h

    rows_bottom = y
    grid = []
    for t in _ticks(span):
        gx = x(since + t)
        grid.append(
            f'<line x1="{gx}" y1="{rows_top}" x2="{gx}" y2="{rows_bottom + 4}" class="grid"/>'
        )
        grid.append(
            f'<text x="{gx}" y="{rows_bottom + 18}" text-anchor="middle" class="small">'
            f"{escape(_fmt_seconds(t))}</text>"
        )
    svg.parts[body_start:body_start] = grid
    svg.add("text", "seconds", x=left + plot, y=rows_bottom + 32, text_anchor="end", class_="small")
    header = f"t = 0 at clock {since:.3f} s"
    if power is not None:
        header += "; green: board powered"
    if links:
        header += "; links: rx (into the model) up, tx (out of it) down"
    svg.add("text", header, x=left, y=16, class_="small")
    height = rows_bottom + 40
    style = (
        "text{font-family:sans-serif;font-size:12px;fill:#222}"
        ".small{font-size:10px;fill:#555}"
        ".led-off{fill:#eee}"
        ".powered{fill:#e8f5e9}"
        ".axis{stroke:#bbb;stroke-width:1}"
        ".grid{stroke:#ddd;stroke-width:1}"
        ".threshold{stroke:#888;stroke-width:1;stroke-dasharray:4 3}"
        ".voltage{fill:none;stroke:#1f4e99;stroke-width:2}"
        ".rx{stroke:#1f77b4;stroke-width:1}"
        ".tx{stroke:#d45500;stroke-width:1}"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">\n'
        f"<style>{style}</style>\n"
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>\n'
        + "\n".join(svg.parts)
        + "\n</svg>\n"
    )


def write_svg(
    path: str | Path,
    leds: LedBank,
    power: PowerSupply | None,
    links: Mapping[str, Transcript] | None,
    since: float,
    until: float,
    *,
    width: int = 960,
) -> Path:
    """Render the SVG picture to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    path.write_text(render_svg(leds, power, links, since, until, width=width), encoding="utf-8")
    return path
