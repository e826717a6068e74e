"""`check --validate` on a notebook builds its code cells as one program (magics blanked)
and confirms the buggy cell's finding; the fixed notebook builds without an error."""
from __future__ import annotations

import json

from conftest import run_shapelint


def test_a_notebook_is_validated_from_its_cells():
    notebooks = ("fixtures/notebooks/classifier_bug.ipynb", "fixtures/notebooks/classifier_fixed.ipynb")
    run = run_shapelint("check", "--validate", "--output-format", "json", *notebooks, timeout=600)
    assert run.returncode == 1, run.stderr
    entries = json.loads(run.stdout)
    [finding] = [e for e in entries if e["code"]]
    assert (finding["filename"], finding["cell"], finding["location"]["row"], finding["code"]) == \
        ("fixtures/notebooks/classifier_bug.ipynb", 3, 5, "SHP101")
    assert finding["validation"]["verdict"] == "confirmed"
    assert "Concatenate" in finding["validation"]["keras_error"]
    notes = [e["message"] for e in entries if not e["code"]]
    assert any(n.startswith("validation sandbox: ") for n in notes)       # the run's own note
