# The MPS2 SCC as the DTU board uses it, inside Renode (IronPython 2; a
# Python.PythonPeripheral of renode.repl). CFG1 (offset 0x4) drives the LEDs
# (bit 0 POW, 1 NET, 2 DATA) and the modem's PWRKEY (bit 3); every write and
# every reset is reported to the bench as a line in the DTULAB_EVENTS file
# ("scc <offset> <value>", "scc reset"). Other registers read back what was
# written. Renode runs this whole file for each access; state lives in `regs`.
from System import Environment
from System.IO import File


def emit(line):
    path = Environment.GetEnvironmentVariable("DTULAB_EVENTS")
    if path:
        File.AppendAllText(path, line + "\n")


if request.isInit:
    regs = {}
    emit("scc reset")
elif request.isWrite:
    regs[request.offset] = request.value
    emit("scc %x %x" % (request.offset, request.value))
elif request.isRead:
    request.value = regs.get(request.offset, 0)
