"""Renode-style testers on a dtulab bench (robot/renode_keywords.py is their keyword skin)."""
