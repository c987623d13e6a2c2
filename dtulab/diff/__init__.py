"""Differential runs: the reference DTU (the golden model) against another target.

``dtulab diff --targets reference,qemu`` draws scenarios of what a user can do
(grammar.py, steps.py), plays each on every target from the same saved EEPROM
image (runner.py), compares what they did (observe.py), shrinks a difference to
a short scenario (search.py) and writes it as a pytest and a Robot reproducer
with an HTML report of both sides (reproduce.py, scenario.py). docs/diff.md is
the user's guide.
"""
