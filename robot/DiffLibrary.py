"""Robot keywords for differential runs: a thin skin over dtulab.diff.scenario.

The reproducers ``dtulab diff`` writes (``diff_seed<N>.robot``) call
``Targets Should Agree On Scenario`` with the scenario file beside them.
"""

from __future__ import annotations

from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library

from dtulab.diff.scenario import assert_agree, load, replay


@library(scope="GLOBAL")
class DiffLibrary:
    @keyword("Targets Should Agree On Scenario")
    def targets_should_agree_on_scenario(self, path: str) -> None:
        """Play the scenario file ``path`` (steps, targets, options) on a fresh bench of each
        target; fail with each part of what they did that differs.

        | Targets Should Agree On Scenario | ${CURDIR}/scenario.json |
        """
        steps, targets, options = load(Path(path))
        logger.info(f"{len(steps)} steps on {', '.join(targets)}: {steps!r}")
        assert_agree(replay(steps, targets, options))
