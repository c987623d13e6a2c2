# The DTU's supply voltage as the MCU can read it, inside Renode (IronPython 2):
# offset 0 holds millivolts (12000 at reset). The bench writes it when the power
# rails change (`sysbus WriteDoubleWord 0x40030000 <mV>`); firmware may read it
# to see a brown-out coming. Renode-only: QEMU's board has no such register.
if request.isInit:
    millivolts = 12000
elif request.isWrite and request.offset == 0:
    millivolts = request.value
elif request.isRead:
    request.value = millivolts if request.offset == 0 else 0
