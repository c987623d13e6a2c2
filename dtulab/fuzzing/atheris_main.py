"""Run one Python harness under atheris (``python -m dtulab.fuzzing.atheris_main NAME
[libFuzzer flags] [corpus dirs]``); ``runner`` starts it. The harness module is imported
inside ``atheris.instrument_imports`` so the code it checks gets coverage feedback."""

from __future__ import annotations

import importlib
import sys

import atheris

from dtulab.fuzzing.registry import HARNESSES


def main() -> None:
    harness = HARNESSES[sys.argv[1]]
    with atheris.instrument_imports(include=["dtulab"]):
        module = importlib.import_module(f"dtulab.fuzzing.{harness.source}")
    atheris.Setup([sys.argv[0], *sys.argv[2:]], module.check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
