"""JUnit XML, as ruff writes it: a test suite per file, a failed test case per finding
(``shapelint.SHP101``), one passing case when there is nothing to report. Notes go to the
file's ``system-out`` (the run's own to the ``shapelint`` suite's). XML 1.0 cannot carry
control characters even escaped, so every text from the user's files is made printable first."""
from __future__ import annotations

import os
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from shapelint.findings import FileResult
from shapelint.reporters.locations import in_cell
from shapelint.reporters.printable import printable


def render(results: Sequence[FileResult], run_notes: Sequence[str] = ()) -> str:
    failures = sum(len(r.diagnostics) for r in results)
    root = ET.Element("testsuites", name="shapelint", tests=str(max(failures, 1)),
                      failures=str(failures), errors="0")
    for r in results:
        if not (r.diagnostics or r.all_notes):
            continue
        n = str(len(r.diagnostics))
        suite = ET.SubElement(root, "testsuite", name=printable(r.path), tests=n, disabled="0", errors="0",
                              failures=n, package="shapelint")
        for d in r.diagnostics:
            cell, at = in_cell(r.notebook, d.location)
            case = ET.SubElement(suite, "testcase", name=f"shapelint.{d.code}",
                                 classname=printable(os.path.splitext(r.path)[0]),
                                 line=str(at.row), column=str(at.column))
            where = (f"cell {cell}, " if cell is not None else "") + f"line {at.row}, col {at.column}"
            failure = ET.SubElement(case, "failure", message=printable(d.message))
            failure.text = printable(f"{where}, {d.code} {d.name}: {d.message}"
                                     + (f"\nFix: {d.fix}" if d.fix else ""))
        if r.all_notes:
            ET.SubElement(suite, "system-out").text = "\n".join(printable(f"note: {n}") for n in r.all_notes)
    if not failures or run_notes:
        suite = ET.SubElement(root, "testsuite", name="shapelint", tests="0" if failures else "1",
                              disabled="0", errors="0", failures="0", package="shapelint")
        if not failures:
            ET.SubElement(suite, "testcase", name="No errors found", classname="shapelint")
        if run_notes:
            ET.SubElement(suite, "system-out").text = "\n".join(printable(f"note: {n}") for n in run_notes)
    ET.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
