# The CMSDK APB watchdog at 0x40008000 inside Renode (IronPython 2): accepted and
# read back, not modelled — Renode has no such part, and the firmware only needs
# its writes to land. A hung firmware is not reset on renode (docs/targets.md).
if request.isInit:
    regs = {}
elif request.isWrite:
    regs[request.offset] = request.value
elif request.isRead:
    request.value = regs.get(request.offset, 0)
