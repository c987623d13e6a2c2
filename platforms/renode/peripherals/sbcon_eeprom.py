# The SBCon two-wire interface at 0x4002A000 with an AT24C32-class EEPROM on it,
# inside Renode (IronPython 2; Renode has no SBCon). Registers: read 0x0 =
# line levels (bit 0 SCL, bit 1 SDA, wired-AND with the EEPROM's SDA); write 0x0
# (CONTROLS) releases the lines whose bits are 1, write 0x4 (CONTROLC) pulls them
# low. The EEPROM follows the I2C-bus spec (UM10204): START/STOP on SDA edges
# while SCL is high, bits sampled on SCL rising, ACK on the ninth clock; device
# 0x50, two address bytes, sequential reads. A write transaction stores its
# bytes when the STOP comes, running on linearly across pages and wrapping at
# the end of the part — as QEMU 7.2's at24c does — and writes the image file
# (DTULAB_EEPROM, 4096 bytes) at once, so data survive a killed Renode; it is
# reported to the bench as "ee <addr> <hex data>" (DTULAB_EVENTS).
from System import Array, Byte, Environment
from System.IO import File, FileMode, FileStream

SIZE = 4096
DEVICE = 0x50


def emit(line):
    path = Environment.GetEnvironmentVariable("DTULAB_EVENTS")
    if path:
        File.AppendAllText(path, line + "\n")


def bus_sda():
    return 1 if (m_sda and s_sda) else 0


def store(at, data):
    path = Environment.GetEnvironmentVariable("DTULAB_EEPROM")
    for i in range(len(data)):
        mem[(at + i) % SIZE] = data[i]
    if path:
        stream = FileStream(path, FileMode.Open)
        stream.Write(Array[Byte]([Byte(b) for b in mem]), 0, SIZE)
        stream.Flush(True)
        stream.Close()
    emit("ee %x %s" % (at, "".join(["%02x" % b for b in data])))


def start_read_byte():
    global out_byte, bit_index, ptr, s_sda
    out_byte = mem[ptr]
    ptr = (ptr + 1) % SIZE
    bit_index = 7
    s_sda = (out_byte >> 7) & 1


def on_edges(old_scl, old_sda):
    global state, bits, byte, s_sda, ack_phase, addr_bytes, hi, ptr, wbuf, acked, bit_index
    sda = bus_sda()
    if old_scl and m_scl and old_sda != sda:  # SDA moved while SCL is high
        if sda == 0:  # START (or a repeated one)
            state, bits, byte, ack_phase, s_sda = "addr", 0, 0, False, 1
        else:  # STOP
            if state == "write" and wbuf:
                store(ptr, wbuf)
            state, wbuf, ack_phase, s_sda = "idle", [], False, 1
        return
    if not old_scl and m_scl:  # SCL rising: sample
        if ack_phase:
            acked = sda == 0
        elif state in ("addr", "write"):
            byte = ((byte << 1) | sda) & 0xFF
            bits += 1
        return
    if old_scl and not m_scl:  # SCL falling: the EEPROM moves its SDA
        if ack_phase:
            ack_phase = False
            s_sda = 1
            if state == "read_first" or (state == "read" and acked):
                state = "read"
                start_read_byte()
            elif state == "read":
                state = "idle"
            bits, byte = 0, 0
        elif state == "read":
            bit_index -= 1
            if bit_index >= 0:
                s_sda = (out_byte >> bit_index) & 1
            else:
                s_sda, ack_phase = 1, True
        elif state in ("addr", "write") and bits == 8:
            if state == "addr":
                if byte >> 1 != DEVICE:
                    state = "idle"
                    return
                state = "read_first" if byte & 1 else "write"
                if state == "write":
                    addr_bytes, wbuf = 0, []
            elif addr_bytes < 2:
                if addr_bytes == 0:
                    hi = byte
                else:
                    ptr = ((hi << 8) | byte) % SIZE
                addr_bytes += 1
            else:
                wbuf.append(byte)
            s_sda, ack_phase = 0, True


if request.isInit:
    m_scl, m_sda, s_sda = 1, 1, 1
    state, bits, byte, ack_phase, acked = "idle", 0, 0, False, False
    addr_bytes, hi, ptr, wbuf, out_byte, bit_index = 0, 0, 0, [], 0xFF, 7
    mem = [0xFF] * SIZE
    image = Environment.GetEnvironmentVariable("DTULAB_EEPROM")
    if image and File.Exists(image):
        mem = [int(b) for b in File.ReadAllBytes(image)][:SIZE]
elif request.isWrite and request.offset in (0, 4):
    old_scl, old_sda = m_scl, bus_sda()
    if request.offset == 0:
        m_scl = m_scl or (request.value & 1)
        m_sda = m_sda or ((request.value >> 1) & 1)
    else:
        m_scl = 0 if request.value & 1 else m_scl
        m_sda = 0 if request.value & 2 else m_sda
    on_edges(old_scl, old_sda)
elif request.isRead:
    request.value = (1 if m_scl else 0) | (bus_sda() << 1) if request.offset == 0 else 0
