"""Timeline pictures of LEDs, power and links (peripherals/timeline.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dtulab.peripherals.leds import LedBank
from dtulab.peripherals.power import PowerSupply
from dtulab.peripherals.timeline import nice_step, render_svg, render_text, write_svg
from dtulab.peripherals.transcript import Transcript

SVG = "{http://www.w3.org/2000/svg}"


class HandClock:
    def __init__(self, t: float = 200.0) -> None:
        self.t = t

    def now(self) -> float:
        return self.t


def scene() -> tuple[HandClock, LedBank, PowerSupply, dict[str, Transcript]]:
    """10 s: POW on, NET from 2 s, DATA blinking 4 cycles from 4 s, a power cut at 8 s."""
    clock = HandClock()
    power = PowerSupply(clock)  # type: ignore[arg-type]
    leds = LedBank(clock)
    rs232 = Transcript(clock)  # type: ignore[arg-type]
    leds.pow.set(True)
    clock.t = 202.0
    leds.net.set(True)
    for i in range(4):
        clock.t = 204.0 + i * 0.5
        leds.data.set(True)
        rs232.record("rx", b"ping")
        clock.t = 204.25 + i * 0.5
        leds.data.set(False)
        rs232.record("tx", b"pong")
    clock.t = 208.0
    power.cut()
    leds.all_off()
    clock.t = 210.0
    return clock, leds, power, {"rs232": rs232}


def test_text_has_a_row_per_led_power_and_link() -> None:
    _, leds, power, links = scene()
    text = render_text(leds, power, links, 200.0, 210.0, width=40)
    rows = {line.split()[0]: line for line in text.splitlines() if line and not line[0].isspace()}
    for name in ("t/s", "POW", "NET", "DATA", "V", "power", "rs232"):
        assert name in rows
    cells = {name: rows[name][len("rs232  ") :] for name in ("POW", "NET", "power")}
    assert cells["POW"] == "█" * 32 + "·" * 8  # on 0..8 s of 10 s, 40 cells
    assert cells["NET"] == "·" * 8 + "█" * 24 + "·" * 8
    assert cells["power"] == cells["POW"]
    assert "r" in rows["rs232"] and "t" in rows["rs232"]
    assert "8.000 s  off (0 V)" in text


def test_text_without_power_or_links() -> None:
    _, leds, _, _ = scene()
    text = render_text(leds, None, None, 200.0, 210.0)
    names = [line.split()[0] for line in text.splitlines()]
    assert names == ["t/s", "POW", "NET", "DATA"]


def test_svg_is_xml_with_one_rect_per_on_span(tmp_path: Path) -> None:
    _, leds, power, links = scene()
    svg = render_svg(leds, power, links, 200.0, 210.0)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    on = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "led-on"]
    per_led = {
        name: sum(1 for r in on if r.get("data-led") == name) for name in ("POW", "NET", "DATA")
    }
    assert per_led == {"POW": 1, "NET": 1, "DATA": 4}
    pow_rect = next(r for r in on if r.get("data-led") == "POW")
    net_rect = next(r for r in on if r.get("data-led") == "NET")
    # POW spans 0..8 s, NET 2..8 s: NET starts later and is 3/4 as wide
    assert float(net_rect.get("x", "nan")) > float(pow_rect.get("x", "nan"))
    net_width, pow_width = float(net_rect.get("width", "nan")), float(pow_rect.get("width", "nan"))
    assert net_width == pytest.approx(pow_width * 0.75, 0.01)
    assert len([p for p in root.iter(f"{SVG}polyline") if p.get("class") == "voltage"]) == 1
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("class") == "threshold"]
    assert len(dashed) >= 2  # 9 V and 7.5 V (24 V too when the scale reaches it)
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "9 V on" in texts and "7.5 V brown-out" in texts and "rs232" in texts
    marks = [line for line in root.iter(f"{SVG}line") if line.get("class") in ("rx", "tx")]
    assert len(marks) == 8
    out = write_svg(tmp_path / "t.svg", leds, power, links, 200.0, 210.0)
    ET.parse(out)


def test_window_clips_spans_and_names_are_escaped() -> None:
    _, leds, power, _ = scene()
    odd = Transcript(HandClock())  # type: ignore[arg-type]
    svg = render_svg(leds, power, {"<a&b>": odd}, 204.1, 205.1)
    root = ET.fromstring(svg)
    data = [r for r in root.iter(f"{SVG}rect") if r.get("data-led") == "DATA"]
    assert len(data) == 3  # 204.1-204.25, 204.5-204.75, 205.0-205.1
    assert "<a&b>" in "".join(t.text or "" for t in root.iter(f"{SVG}text"))


def test_bad_window() -> None:
    _, leds, _, _ = scene()
    with pytest.raises(ValueError, match="empty window"):
        render_svg(leds, None, None, 5.0, 5.0)


def test_nice_steps() -> None:
    assert nice_step(10.0) == 2.0
    assert nice_step(1.0) == 0.2
    assert nice_step(60.0) == 10.0
