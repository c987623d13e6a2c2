"""The DTU's settings: every parameter of the manual's table 2 with its factory value.

Both command families (families.py) set these; ``family`` says which one wrote them (the
store ignores another family's record) and ``extra`` holds what only one family has.

Manual §2–§3.2 and docs/usr721.md. ``Settings`` is what ``ATW`` writes to the
EEPROM (store.py) and ``AT+CIRELOAD`` resets. It serialises to compact JSON;
``from_json`` rejects anything malformed, so a damaged record never becomes
half a configuration.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from dtulab.dtu import contract as C

MODES = dict(enumerate(C.MODE_CHOICES))  # AT+CIMOD numbers (research §A.3)


@dataclass
class SocketConfig:
    enabled: bool = bool(C.ENABLED_DEFAULT)
    proto: str = C.PROTO_DEFAULT  # TCP or UDP
    host: str = C.HOST_DEFAULT
    port: int = C.PORT_DEFAULT
    long_link: bool = bool(C.LONG_LINK_DEFAULT)  # R-NET-4: long (kept) or short (closed when idle)
    idle: int = C.IDLE_DEFAULT  # short link: seconds without data before it closes
    local_port: int = C.LOCAL_PORT_DEFAULT  # AT+CINETPT, 0 = any


@dataclass
class Settings:
    """The factory values are the contract's (dtulab/contract/usr721.toml, via dtu/contract.py)."""

    mode: int = C.MODE_CHOICES.index(C.MODE_DEFAULT)
    sockets: list[SocketConfig] = field(
        default_factory=lambda: [SocketConfig() for _ in range(C.SOCKETS)]
    )
    apn: str = C.APN_DEFAULT
    apn_user: str = C.APN_USER_DEFAULT
    apn_password: str = C.APN_PASSWORD_DEFAULT
    heartbeat_s: int = C.HEARTBEAT_S_DEFAULT  # 0 = off
    heartbeat_to_serial: bool = bool(C.HEARTBEAT_TO_SERIAL_DEFAULT)  # R-HB-2
    heartbeat_data: str = C.HEARTBEAT_DATA_DEFAULT  # hex
    pack_time_ms: int = C.PACK_TIME_MS_DEFAULT  # R-NET-5
    pack_len: int = C.PACK_LEN_DEFAULT
    restart_s: int = C.RESTART_S_DEFAULT
    reg_mode: str = (
        C.REG_MODE_DEFAULT
    )  # R-REG-1: OFF, LINK (once per connection), DATA (each packet)
    reg_kind: str = C.REG_KIND_DEFAULT  # USER, IMEI, ICCID, CLOUD
    reg_data: str = C.REG_DATA_DEFAULT  # hex; for CLOUD the hex of "<id>,<password>"
    baud: int = C.BAUD_DEFAULT
    data_bits: int = C.DATA_BITS_DEFAULT
    parity: str = C.PARITY_DEFAULT
    stop_bits: int = C.STOP_BITS_DEFAULT
    sms_number: str = C.SMS_NUMBER_DEFAULT  # R-SMS-1
    http_method: str = C.HTTP_METHOD_DEFAULT  # R-HTTP-1
    http_url: str = C.HTTP_URL_DEFAULT
    http_headers: str = C.HTTP_HEADERS_DEFAULT
    ftp_host: str = C.FTP_HOST_DEFAULT
    ftp_port: int = C.FTP_PORT_DEFAULT
    ftp_user: str = C.FTP_USER_DEFAULT
    ftp_password: str = C.FTP_PASSWORD_DEFAULT
    ftp_path: str = C.FTP_PATH_DEFAULT
    password: str = C.PASSWORD_DEFAULT
    net_at: bool = bool(C.NET_AT_DEFAULT)  # R-AT-4
    com_at: bool = bool(C.COM_AT_DEFAULT)  # R-AT-3
    sms_at: bool = bool(C.SMS_AT_DEFAULT)  # R-AT-5
    ring_answer: bool = bool(C.RING_ANSWER_DEFAULT)  # AT+CIRINGSTA
    boot_message: str = C.BOOT_MESSAGE_DEFAULT  # AT+CIMODID
    family: str = "usr721"  # the command family that wrote them (families.py)
    # values only one family has, by its command name (usr-sock: HEARTTM while HEARTEN is OFF)
    extra: dict[str, str] = field(default_factory=dict)

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
        if not isinstance(socks, list) or len(socks) != C.SOCKETS:
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
        if f.name not in ("sockets", "extra") and type(getattr(settings, f.name)) is not type(
            getattr(defaults, f.name)
        ):
            raise ValueError(f"settings field {f.name} has the wrong type")
    extra: Any = settings.extra
    if type(extra) is not dict or any(type(x) is not str for item in extra.items() for x in item):
        raise ValueError("settings field extra has the wrong type")
    for sock in settings.sockets:
        for f in fields(SocketConfig):
            if type(getattr(sock, f.name)) is not type(getattr(SocketConfig(), f.name)):
                raise ValueError(f"socket field {f.name} has the wrong type")
