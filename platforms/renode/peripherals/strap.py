# The board strap word at 0x203FFF00 inside Renode (IronPython 2): reads the
# word the bench put in DTULAB_STRAP (the timing profile, docs/targets.md), 0
# without one. QEMU writes the same word into RAM with -device loader.
from System import Convert, Environment

if request.isInit:
    text = Environment.GetEnvironmentVariable("DTULAB_STRAP")
    strap = Convert.ToUInt32(text, 16) if text else 0
elif request.isRead:
    request.value = strap if request.offset == 0 else 0
