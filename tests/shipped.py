"""The data the product ships, loaded for tests as the operator loads it."""

from __future__ import annotations


def load_shipped_rules() -> None:
    """The assessment rules in force, as `secassure rules load` loads them."""
    from secassure.profile.actions import load_rules
    from secassure.profile.services import read_rules, shipped_rule_files

    for path in shipped_rule_files():
        load_rules(read_rules(path, 10_000_000), by=None)
