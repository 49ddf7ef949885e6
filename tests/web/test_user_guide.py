"""The user guide shows the screenshots the script takes, and nothing else."""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_picture_in_the_guide_is_taken_by_the_script_and_is_in_the_folder():
    guide = (DOCS / "user-guide.md").read_text()
    shown = set(re.findall(r"!\[[^\]]+\]\(screenshots/([\w-]+)\.png\)", guide))
    taken = set(re.findall(r'\.shoot\("([\w-]+)"', (DOCS / "screenshots.py").read_text()))
    stored = {path.stem for path in (DOCS / "screenshots").glob("*.png")}
    assert shown and shown == taken == stored
    for name in stored:
        assert (DOCS / "screenshots" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
