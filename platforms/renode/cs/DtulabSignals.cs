// The DTU's output signals on an MCU's GPIO pins, reported to the bench: input n of this block is
// signal bit n (0 POW, 1 NET, 2 DATA, 3 the modem's PWRKEY, 1 = pressed; platforms/renode/stm32.py
// wires the board file's pins to them). Each change is written to the events file (DTULAB_EVENTS)
// as the mps2 board's SCC CFG1 writes are, "scc 4 <signal bits> <virtual ms>", stamped with the
// machine's virtual time as Renode's LEDTester measures it; a reset is "scc reset". So the bench
// reads LEDs from GPIO state changes without caring which port or pin drives them.
// Renode compiles this file at start (`include @DtulabSignals.cs`).
using System;
using System.Globalization;
using System.IO;
using Antmicro.Renode.Core;

namespace Antmicro.Renode.Peripherals.Miscellaneous
{
    public class DtulabSignals : IGPIOReceiver
    {
        public DtulabSignals(IMachine machine)
        {
            this.machine = machine;
        }

        public void Reset()
        {
            bits = 0;
            Emit("scc reset");
        }

        public void OnGPIO(int number, bool value)
        {
            var next = value ? bits | (1u << number) : bits & ~(1u << number);
            if(next == bits)
            {
                return;
            }
            bits = next;
            var now = machine.ElapsedVirtualTime.TimeElapsed.TotalMilliseconds;
            Emit(String.Format(CultureInfo.InvariantCulture, "scc 4 {0:x} {1:F3}", bits, now));
        }

        private static void Emit(string line)
        {
            var path = Environment.GetEnvironmentVariable("DTULAB_EVENTS");
            if(!String.IsNullOrEmpty(path))
            {
                File.AppendAllText(path, line + "\n");
            }
        }

        private readonly IMachine machine;
        private uint bits;
    }
}
