"""DTU targets (reference, qemu, renode, serial); they register by name as they land."""
