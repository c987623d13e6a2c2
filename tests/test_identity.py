"""The device's identity as the bench reads it (dtulab/identity.py), on real targets."""

import hashlib
import json
from dataclasses import asdict

import pytest

from dtulab import identity
from dtulab.dialects import dialect
from dtulab.platforms.firmware import IMAGES, PROJECT_ELF
from dtulab.world import ServerConfig


@pytest.mark.world(servers=[ServerConfig("dc1")])
@pytest.mark.parametrize(
    "world",
    [{"target": t} for t in ("reference", "qemu", "native")],
    indirect=True,
    ids=["reference", "qemu", "native"],
)
def test_the_first_bench_of_a_run_records_who_the_device_is(world, dtu, tmp_path):
    adapter = dialect("usr721", dtu)
    written = identity.record(tmp_path, world, adapter)
    target = world.config.target
    assert written == tmp_path / f"{target}.json"
    read = identity.load(tmp_path)[target]
    assert read.dialect == "usr721"
    assert read.version is not None and "(usr721)" in read.version  # the AT+CIVER? reply
    assert read.imei == world.modem.identity.imei  # AT+CGSN, relayed to the modem
    assert read.iccid is None  # the usr721 dialect has no command for it
    image = {"qemu": PROJECT_ELF, "native": IMAGES["native"]}.get(target)
    if image is not None:
        assert read.firmware == str(image)
        assert read.firmware_sha256 == hashlib.sha256(image.read_bytes()).hexdigest()
    else:
        assert read.firmware is read.firmware_sha256 is None
    # once a run: a later bench leaves the device alone and the record as it is
    assert identity.record(tmp_path, world, adapter) is None
    assert json.loads(written.read_text())["read_at"] == read.read_at
    # and the device was left in transparent mode: the escape works again
    dtu.enter_command_mode()
    dtu.leave_command_mode()


def test_a_file_that_is_no_identity_record_is_one_clear_error(tmp_path):
    (tmp_path / "qemu.json").write_text('{"target": "qemu"}')
    with pytest.raises(ValueError, match=r"qemu\.json: not an identity record"):
        identity.load(tmp_path)


@pytest.mark.world(servers=[ServerConfig("dc1")], dialect="usr-sock")
def test_a_run_in_another_dialect_records_its_device_apart(world, dtu, tmp_path):
    """The reference speaking usr-sock: its record is the column reference+usr-sock's, beside
    (not instead of) the usr721 run's reference.json, with what usr-sock's commands give."""
    usr721 = identity.Identity("reference", "usr721", "v", None, None, None, None, "then")
    (tmp_path / "reference.json").write_text(json.dumps(asdict(usr721)))
    written = identity.record(tmp_path, world, dialect("usr-sock", dtu))
    assert written == tmp_path / "reference+usr-sock.json"
    found = identity.load(tmp_path)
    assert set(found) == {"reference", "reference+usr-sock"}
    assert found["reference"] == usr721
    read = found["reference+usr-sock"]
    assert (read.target, read.dialect) == ("reference", "usr-sock")
    assert read.version is not None and "(usr-sock)" in read.version  # AT+VER
    assert read.imei == world.modem.identity.imei  # AT+IMEI
    assert read.iccid == world.modem.identity.iccid  # AT+ICCID: usr-sock has one
