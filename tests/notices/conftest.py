import pytest


@pytest.fixture
def shipped_rules(db):
    """The shipped rule files (the assessment cycle and the notice types), loaded."""
    from secassure.profile.actions import load_rules
    from secassure.profile.services import read_rules, shipped_rule_files

    for path in shipped_rule_files():
        load_rules(read_rules(path, 10_000_000), by=None)
