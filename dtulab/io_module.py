"""A network I/O module on the bench: a relay on the DC input, LED sense lines, an SMS gateway.

Test labs switch a DTU's supply with a relay and read its LEDs with digital
inputs, often on an HTTP-controlled I/O board; labgrid drives such a board
with ``HttpDigitalOutput`` (resource) and ``HttpDigitalOutputDriver``, and
``DigitalOutputPowerDriver`` turns an output into a ``PowerProtocol``. This
module gives a bench (``dtulab run --io HOST:PORT``) that board, so a modelled
DTU can stand in for a real one behind labgrid (docs/labs.md). Labs text a
DTU's SIM through an SMS gateway (a phone or a GSM modem with an HTTP API);
the bench's SMS centre is that gateway here:

    PUT /relay/dc         body "1" or "0"   the supply on (a cold boot) or cut
    GET /relay/dc                           "1" or "0"
    GET /led/POW          (NET, DATA)       "1" while the LED is lit, else "0"
    POST /sms/<sender>    body: the text (UTF-8)   an SMS from <sender> to the DTU
    GET /sms/<number>     the texts the DTU sent to <number>: JSON, a list of strings

Anything else is 404; a bad body is 400. It listens on loopback unless told
otherwise. Requests are served one thread each; a relay switch returns once
the bench has the board in its new state (``World.power_on``/``cut_power``).

Each sense line has a pulse stretcher, as LED sense boards do: a state the
LED takes is shown for at least ``hold`` seconds (0.3) before the next one,
in order, so a poller sampling every 20 ms — or much slower on a loaded
machine — still sees the DTU's 50 ms DATA blinks and a restart's short NET
gap. The price: the line runs up to two holds behind the LED, and a blink
faster than the hold shows as a slower one.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from dtulab.peripherals.leds import Led
    from dtulab.world import World

LEDS = ("POW", "NET", "DATA")


class SenseLine:
    """An LED seen through a pulse stretcher: each state shown for at least ``hold`` s."""

    def __init__(self, on: bool, hold: float) -> None:
        self.hold = hold
        self._shown, self._since = on, time.monotonic()
        self._queue: deque[bool] = deque()  # states the LED took that are not shown yet
        self._lock = threading.Lock()

    def change(self, on: bool) -> None:
        """The LED went on or off (called on the bench loop). At most one pulse waits to be
        shown: a whole pulse behind it is dropped, so the line runs at most two holds behind
        the LED and a fast blink still shows as a blink."""
        with self._lock:
            self._queue.append(on)
            while len(self._queue) > 2:
                self._queue.popleft()
                self._queue.popleft()

    def read(self) -> bool:
        with self._lock:
            now = time.monotonic()
            while self._queue and now - self._since >= self.hold:
                self._shown = self._queue.popleft()
                self._since = now
            return self._shown


class IoModule:
    """The relay and LED sense lines of ``world``, served over HTTP at ``host:port``."""

    def __init__(
        self, world: World, host: str = "127.0.0.1", port: int = 0, hold: float = 0.3
    ) -> None:
        self.world = world
        self.lines = world.call(lambda: self._wire(hold))
        handler = type("Handler", (_Handler,), {"module": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.host, self.port = str(self._server.server_address[0]), self._server.server_port
        self._lock = threading.Lock()  # one relay switch at a time, in order
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="io-module", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def relay(self) -> bool:
        return self.world.call(lambda: self.world.power.on)

    def switch(self, on: bool) -> None:
        with self._lock:
            if on:
                self.world.power_on()
            else:
                self.world.cut_power()

    def text_dtu(self, sender: str, text: str) -> None:
        self.world.deliver_sms(sender, text)

    def texts_from_dtu(self, number: str) -> list[str]:
        return self.world.sms_sent(number)

    def _wire(self, hold: float) -> dict[str, SenseLine]:
        """A sense line per LED, told of each change (on the bench loop)."""
        lines = {}
        for name in LEDS:
            lamp = self.world.leds[name]
            line = lines[name] = SenseLine(lamp.on, hold)
            lamp.listeners.append(partial(_follow, line))
        return lines

    def led(self, name: str) -> bool:
        return self.lines[name].read()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _follow(line: SenseLine, led: Led) -> None:
    line.change(led.on)


class _Handler(BaseHTTPRequestHandler):
    module: IoModule

    def _reply(self, code: int, body: str) -> None:
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = unquote(self.path.rstrip("/"))
        if path == "/relay/dc":
            self._reply(200, "1" if self.module.relay() else "0")
        elif path.startswith("/led/") and path[5:] in LEDS:
            self._reply(200, "1" if self.module.led(path[5:]) else "0")
        elif path.startswith("/sms/") and len(path) > 5:
            self._reply(200, json.dumps(self.module.texts_from_dtu(path[5:])))
        else:
            self._reply(404, f"no {path} (have /relay/dc, /led/POW|NET|DATA, /sms/<number>)")

    def do_POST(self) -> None:
        path = unquote(self.path.rstrip("/"))
        if not path.startswith("/sms/") or len(path) == 5:
            self._reply(404, f"no {path} (POST /sms/<sender> with the text)")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            self.module.text_dtu(path[5:], body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:  # a bad sender, text or encoding
            self._reply(400, str(exc))
            return
        self._reply(200, "sent")

    def do_PUT(self) -> None:
        if self.path.rstrip("/") != "/relay/dc":
            self._reply(404, f"no relay at {self.path} (have /relay/dc)")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).strip()
        if body not in (b"0", b"1"):
            self._reply(400, f"expected 1 or 0, got {body[:40]!r}")
            return
        self.module.switch(body == b"1")
        self._reply(200, body.decode())

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a labgrid poll of the LEDs is many requests a second."""
