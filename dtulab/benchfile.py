"""Bench files: a TOML or YAML description of a bench for ``dtulab run --config FILE``.

Example (TOML)::

    target = "reference"        # reference, qemu (more targets register by name)
    firmware = "my-dtu.elf"     # qemu, renode: an image instead of the project's firmware/
    board = "my-board.toml"     # qemu, renode: that image's wiring (docs/targets.md)
    port = "/dev/ttyUSB0"       # serial: the device's RS232 port (a pyserial URL)
    baud = 115200               # serial: its baud rate
    dialect = "usr721"          # the DTU's AT dialect (dtulab/dialects.py)
    timing = "realistic"        # realistic or fast: modem and DTU delays
    rs232 = "pty"               # pty or tcp:127.0.0.1:PORT
    state_dir = "state"         # EEPROM image kept here (relative to the file)
    bind = "127.0.0.1"          # where the servers listen (0.0.0.0: every interface; opt-in)
    advertise = ""              # HOST or HOST:PORT a DTU is given (docs/network-faults.md)

    [[servers]]                 # data-centre servers (on the bind address)
    name = "dc1"
    proto = "TCP"               # TCP or UDP
    port = 0                    # 0 = any free port
    echo = false

    [sim]                       # what the modem and its SIM report
    imei = "866262034567891"
    iccid = "89860012345678901234"
    imsi = "460001234567890"

    [[faults]]                  # faults active from the start
    name = "latency"
    ms = 300

    [[sockets]]                 # DTU sockets set up through RS232 at start (and saved)
    n = 1
    server = "dc1"              # a server above, or host = "..." and port = ...

The target options (``firmware``, ``board``, ``port``, ``baud``, ...) are those
``dtulab run --help`` lists, generated from the targets' ``option(...)`` fields;
file paths among them are relative to the bench file. Unknown keys and bad
values are errors with one clear line.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import yaml

from dtulab.addresses import AddressError, Addresses
from dtulab.dialects import DIALECTS
from dtulab.peripherals.gsm_modem.faults import FaultError, make_fault
from dtulab.peripherals.gsm_modem.modem import ModemIdentity
from dtulab.peripherals.links import LinkSpecError, check_link_spec
from dtulab.platforms import TARGETS
from dtulab.platforms.base import user_options
from dtulab.world import ServerConfig, SocketSetup, WorldConfig

TIMINGS = ("fast", "realistic")
SIM_KEYS = {"imei", "iccid", "imsi", "msisdn", "sim_inserted"}


class BenchFileError(ValueError):
    """A bench file that cannot be used; the message is one line."""


def load(path: str | Path) -> WorldConfig:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise BenchFileError(f"cannot read bench file {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        elif path.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        else:
            raise BenchFileError(f"{path}: bench files end in .toml, .yaml or .yml")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0]
        raise BenchFileError(f"{path}: not valid {path.suffix[1:].upper()}: {first}") from None
    if not isinstance(data, dict):
        raise BenchFileError(f"{path}: expected a table of settings at the top")
    return from_dict(data, path.parent)


def _check_keys(where: str, data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise BenchFileError(
            f"{where}: unknown key '{unknown[0]}' (allowed: {', '.join(sorted(allowed))})"
        )


def from_dict(data: dict[str, Any], base: Path) -> WorldConfig:
    keys = {"target", "dialect", "timing", "rs232", "state_dir", "servers", "sim", "faults"}
    keys |= {"sockets", "bind", "advertise", *user_options()}
    _check_keys("bench file", data, keys)
    config = WorldConfig()
    target = data.get("target", config.target)
    if target not in TARGETS:
        raise BenchFileError(f"target: unknown '{target}' (known: {', '.join(sorted(TARGETS))})")
    speaks = data.get("dialect", config.dialect)
    if speaks not in DIALECTS:
        raise BenchFileError(f"dialect: unknown '{speaks}' (known: {', '.join(sorted(DIALECTS))})")
    timing = data.get("timing", config.timing)
    if timing not in TIMINGS:
        raise BenchFileError(f"timing: expected one of {', '.join(TIMINGS)}, got '{timing}'")
    rs232 = str(data.get("rs232", config.rs232))
    try:
        check_link_spec(rs232)
    except LinkSpecError as exc:
        raise BenchFileError(f"rs232: {exc}") from None
    state_dir = data.get("state_dir")
    servers = [_server(i, s) for i, s in enumerate(data.get("servers", [{}]))]
    names = [s.name for s in servers]
    if len(set(names)) != len(names):
        raise BenchFileError("servers: names must be unique")
    where = Addresses(str(data.get("bind", config.bind)), str(data.get("advertise", "")))
    try:
        where.check(len(servers))
    except AddressError as exc:
        raise BenchFileError(str(exc)) from None
    return replace(
        config,
        target=target,
        dialect=speaks,
        timing=timing,
        rs232=rs232,
        state_dir=str(base / state_dir) if state_dir else None,
        servers=servers,
        identity=_identity(data.get("sim", {})),
        faults=[_fault(i, f) for i, f in enumerate(data.get("faults", []))],
        sockets=[_socket(i, s, set(names)) for i, s in enumerate(data.get("sockets", []))],
        **_target_options(data, base),
        bind=where.bind,
        advertise=where.advertise,
    )


def _target_options(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """The target options the file sets, checked against their defaults' types."""
    out: dict[str, Any] = {}
    for key, (f, _) in user_options().items():
        if key not in data:
            continue
        value, kind = data[key], type(f.default)
        if type(value) is not kind:
            what = "a file path" if f.metadata["path"] else f"a {kind.__name__}"
            raise BenchFileError(f"{key}: expected {what}, got {value!r}")
        out[key] = str(base / str(value)) if f.metadata["path"] and value else value
    return out


def _socket(i: int, raw: Any, servers: set[str]) -> SocketSetup:
    if not isinstance(raw, dict):
        raise BenchFileError(f"sockets[{i}]: expected a table")
    _check_keys(f"sockets[{i}]", raw, {f.name for f in fields(SocketSetup)})
    sock = SocketSetup(**raw)
    if not isinstance(sock.n, int) or not 1 <= sock.n <= 4:
        raise BenchFileError(f"sockets[{i}].n: expected 1..4")
    if sock.server and sock.server not in servers:
        raise BenchFileError(f"sockets[{i}].server: no server '{sock.server}'")
    if not sock.server and not (isinstance(sock.port, int) and 1 <= sock.port <= 65535):
        raise BenchFileError(f"sockets[{i}]: give a server, or a port 1..65535")
    if str(sock.proto).upper() not in ("TCP", "UDP"):
        raise BenchFileError(f"sockets[{i}].proto: expected TCP or UDP")
    return sock


def _server(i: int, raw: Any) -> ServerConfig:
    if not isinstance(raw, dict):
        raise BenchFileError(f"servers[{i}]: expected a table")
    _check_keys(f"servers[{i}]", raw, {f.name for f in fields(ServerConfig)})
    server = ServerConfig(**{**{"name": f"dc{i + 1}"}, **raw})
    if server.proto.upper() not in ("TCP", "UDP"):
        raise BenchFileError(f"servers[{i}].proto: expected TCP or UDP")
    if not isinstance(server.port, int) or not 0 <= server.port <= 65535:
        raise BenchFileError(f"servers[{i}].port: expected 0..65535")
    return server


def _identity(raw: Any) -> ModemIdentity:
    if not isinstance(raw, dict):
        raise BenchFileError("sim: expected a table")
    _check_keys("sim", raw, SIM_KEYS)
    for key in ("imei", "iccid", "imsi"):
        if key in raw and not str(raw[key]).isdigit():
            raise BenchFileError(f"sim.{key}: expected digits")
    fields: dict[str, Any] = {k: (v if k == "sim_inserted" else str(v)) for k, v in raw.items()}
    return replace(ModemIdentity(), **fields)


def _fault(i: int, raw: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(raw, dict) or "name" not in raw:
        raise BenchFileError(f"faults[{i}]: expected a table with a name")
    params = {k: v for k, v in raw.items() if k != "name"}
    try:
        make_fault(raw["name"], **params)
    except FaultError as exc:
        raise BenchFileError(f"faults[{i}]: {exc}") from None
    return raw["name"], params
