"""Fault campaigns (``dtulab campaign``): power loss at every write, network faults in every
socket state; each registers by name in ``CAMPAIGNS`` (core.py)."""

from dtulab.campaign import network, power  # noqa: F401  (register "network", "power")
from dtulab.campaign.core import CAMPAIGNS, CampaignError, Options

__all__ = ["CAMPAIGNS", "CampaignError", "Options"]
