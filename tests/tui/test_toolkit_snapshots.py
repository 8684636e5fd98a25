"""SVG snapshots of the toolkit example in both languages: what `tui.testing` makes stable."""

from __future__ import annotations

import pytest

from branch.settings import UISettings
from tests.support.tui_example import ExampleApp
from tui.testing import fixed_clock, settle


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_example_screen(snap_compare, lang: str) -> None:
    app = ExampleApp(None, UISettings(), fixed_clock(), lang)
    assert snap_compare(app, terminal_size=(60, 12), run_before=settle)
