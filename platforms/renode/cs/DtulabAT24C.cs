// dtulab's settings EEPROM for Renode's I2C controllers: an AT24C32-class part (Microchip AT24C32
// datasheet: 4096 bytes, 32-byte pages, a 2-byte word address, sequential reads), file-backed.
// Renode has no such part; the DTU board for STM32F1 (stm32f103.repl, platforms/renode/stm32.py)
// puts it on I2C1 and the monitor compiles this file at start (`include @DtulabAT24C.cs`).
//
// The controller (STM32F4_I2C, also the F1's register map) hands it a write transaction whole at
// the STOP or repeated START: two address bytes, then data. The data are stored running on
// linearly from the address and wrapping at the end of the part (as QEMU 7.2's at24c and the mps2
// board's SBCon EEPROM do), the image file (DTULAB_EEPROM) is rewritten at once so the data survive
// a killed Renode, and the transaction is reported to the bench as "ee <addr> <hex data>"
// (DTULAB_EVENTS). A read returns the part from the address pointer on, wrapping: the controller
// asks for one byte but queues what it gets, so the master may read as many as it clocks.
using System;
using System.IO;
using System.Text;
using Antmicro.Renode.Core;
using Antmicro.Renode.Logging;

namespace Antmicro.Renode.Peripherals.I2C
{
    public class DtulabAT24C : II2CPeripheral
    {
        public DtulabAT24C(int size = 4096)
        {
            this.size = size;
            memory = new byte[size];
            for(var i = 0; i < size; i++)
            {
                memory[i] = 0xFF;
            }
            var image = Environment.GetEnvironmentVariable("DTULAB_EEPROM");
            if(!String.IsNullOrEmpty(image) && File.Exists(image))
            {
                var bytes = File.ReadAllBytes(image);
                Array.Copy(bytes, memory, Math.Min(bytes.Length, size));
            }
        }

        public void Reset()
        {
            pointer = 0; // non-volatile: only the address pointer goes
        }

        public void Write(byte[] data)
        {
            if(data.Length < 2)
            {
                this.Log(LogLevel.Warning, "a write of {0} byte(s): no word address", data.Length);
                return;
            }
            pointer = ((data[0] << 8) | data[1]) % size;
            if(data.Length == 2)
            {
                return; // a random read's dummy write: the address only
            }
            var at = pointer;
            var hex = new StringBuilder();
            for(var i = 2; i < data.Length; i++)
            {
                memory[pointer] = data[i];
                pointer = (pointer + 1) % size;
                hex.Append(data[i].ToString("x2"));
            }
            var image = Environment.GetEnvironmentVariable("DTULAB_EEPROM");
            if(!String.IsNullOrEmpty(image))
            {
                using(var stream = new FileStream(image, FileMode.OpenOrCreate))
                {
                    stream.Write(memory, 0, size);
                    stream.Flush(true);
                }
            }
            Emit(String.Format("ee {0:x} {1}", at, hex));
        }

        public byte[] Read(int count = 1)
        {
            var result = new byte[size];
            for(var i = 0; i < size; i++)
            {
                result[i] = memory[(pointer + i) % size];
            }
            pointer = (pointer + count) % size;
            return result;
        }

        public void FinishTransmission()
        {
        }

        private static void Emit(string line)
        {
            var path = Environment.GetEnvironmentVariable("DTULAB_EVENTS");
            if(!String.IsNullOrEmpty(path))
            {
                File.AppendAllText(path, line + "\n");
            }
        }

        private readonly int size;
        private readonly byte[] memory;
        private int pointer;
    }
}
