"""The DTU's settings: every parameter of the manual's table 2 with its factory value.

Manual §2–§3.2 and docs/usr721.md. ``Settings`` is what ``ATW`` writes to the
EEPROM (store.py) and ``AT+CIRELOAD`` resets. It serialises to compact JSON;
``from_json`` rejects anything malformed, so a damaged record never becomes
half a configuration.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

MODES = {0: "NET", 1: "FTP", 2: "AT", 3: "HTTPD", 4: "SMS"}  # AT+CIMOD numbers (research §A.3)
BAUDS = (300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
SOCKETS = 4
BUFFER_LIMIT = 15 * 1024  # R-NET-2: per TCP socket while it is down


@dataclass
class SocketConfig:
    enabled: bool = False
    proto: str = "TCP"  # TCP or UDP
    host: str = ""
    port: int = 0
    long_link: bool = True  # R-NET-4: long (kept) or short (closed when idle)
    idle: int = 10  # short link: seconds without data before it closes (2..255)
    local_port: int = 0  # AT+CINETPT, 0 = any


@dataclass
class Settings:
    mode: int = 0  # NET
    sockets: list[SocketConfig] = field(default_factory=lambda: [SocketConfig() for _ in range(4)])
    apn: str = "CMNET"
    apn_user: str = ""
    apn_password: str = ""
    heartbeat_s: int = 0  # 0 = off
    heartbeat_to_serial: bool = False  # R-HB-2
    heartbeat_data: str = "7777772E7573722E636E"  # hex: "www.usr.cn"
    pack_time_ms: int = 100  # R-NET-5
    pack_len: int = 1460
    restart_s: int = 0  # auto-restart after this long with no data; < 600 = off (research §A.3)
    reg_mode: str = "OFF"  # R-REG-1: OFF, LINK (once per connection), DATA (before every packet)
    reg_kind: str = "USER"  # USER, IMEI, ICCID, CLOUD
    reg_data: str = ""  # hex; for CLOUD the hex of "<id>,<password>"
    baud: int = 115200
    data_bits: int = 8
    parity: str = "N"
    stop_bits: int = 1
    sms_number: str = ""  # R-SMS-1
    http_method: str = "GET"  # R-HTTP-1
    http_url: str = ""
    http_headers: str = ""
    ftp_host: str = ""
    ftp_port: int = 21
    ftp_user: str = "anonymous"
    ftp_password: str = ""
    ftp_path: str = ""
    password: str = "usr.cn"
    net_at: bool = False  # R-AT-4
    com_at: bool = False  # R-AT-3
    sms_at: bool = True  # R-AT-5
    ring_answer: bool = False  # AT+CIRINGSTA
    boot_message: str = ""  # AT+CIMODID
    entm_reply: str = "OK"  # research §A.1: some tools expect "+ok"

    @property
    def mode_name(self) -> str:
        return MODES[self.mode]

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Settings:
        raw = json.loads(data.decode())
        if not isinstance(raw, dict) or set(raw) != {f.name for f in fields(cls)}:
            raise ValueError("settings record has the wrong fields")
        socks = raw.pop("sockets")
        if not isinstance(socks, list) or len(socks) != SOCKETS:
            raise ValueError("settings record has the wrong sockets")
        names = {f.name for f in fields(SocketConfig)}
        if any(not isinstance(s, dict) or set(s) != names for s in socks):
            raise ValueError("settings record has a malformed socket")
        settings = cls(sockets=[SocketConfig(**s) for s in socks], **raw)
        _check_types(settings)
        return settings

    def copy(self) -> Settings:
        return Settings.from_json(self.to_json())


def _check_types(settings: Settings) -> None:
    defaults: Any = Settings()
    for f in fields(Settings):
        if f.name != "sockets" and type(getattr(settings, f.name)) is not type(
            getattr(defaults, f.name)
        ):
            raise ValueError(f"settings field {f.name} has the wrong type")
    for sock in settings.sockets:
        for f in fields(SocketConfig):
            if type(getattr(sock, f.name)) is not type(getattr(SocketConfig(), f.name)):
                raise ValueError(f"socket field {f.name} has the wrong type")
