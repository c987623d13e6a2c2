"""No port of Renode's listens on the machine's network (docs/targets.md, "Renode").

Renode binds its robot server and socket terminals to every interface on Linux; the renode
target runs it in a network namespace of its own, reaches the robot server through a Unix
socket and the UARTs through pseudo-terminals (platforms/renode/robot_server.py). While the
bench runs, every TCP socket Renode's processes hold that listens in this machine's namespace
must be on a loopback address (with the namespace: there is none). Where Renode is not
installed the test says why it is skipped.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest

from dtulab.platforms.base import Unsupported
from dtulab.platforms.emulator import EmulatorTarget
from dtulab.platforms.renode.machine import find_renode
from dtulab.world import World, WorldConfig


def listening() -> dict[int, str]:
    """socket inode → the local address of every TCP socket listening in this namespace."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A":  # LISTEN
                found[int(fields[9])] = fields[1]
    return found


def address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    host = bytes.fromhex(hex_address.split(":")[0])
    if len(host) == 4:
        return ipaddress.IPv4Address(host[::-1])
    words = b"".join(host[i : i + 4][::-1] for i in range(0, 16, 4))
    return ipaddress.IPv6Address(words)


def group_sockets(pgid: int) -> set[int]:
    """The socket inodes of every process in process group ``pgid`` (Renode, the relay)."""
    inodes = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getpgid(int(pid)) != pgid:
                continue
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(int(link[8:-1]))
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
    return inodes


def test_no_renode_port_listens_beyond_loopback(tmp_path):
    try:
        find_renode()
    except Unsupported as exc:
        pytest.skip(str(exc))
    world = World(WorldConfig(target="renode", state_dir=str(tmp_path / "state")))
    world.start()
    try:
        target = world.target
        assert isinstance(target, EmulatorTarget) and target.machine is not None
        proc = target.machine.proc
        assert proc is not None
        world.wait(lambda: world.leds["NET"].on, 60, "NET LED on (the firmware runs)")
        renode = group_sockets(proc.pid)
        assert renode, "Renode's processes hold no socket at all: not the process group"
        open_ports = {inode: a for inode, a in listening().items() if inode in renode}
        wide = {a: str(address(a)) for a in open_ports.values() if not address(a).is_loopback}
        assert not wide, f"Renode listens beyond loopback: {wide}"
    finally:
        world.stop()
