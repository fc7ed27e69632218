#!/usr/bin/env python3
"""Frictionless 5 on the benchmark's Fallarbeit sheet, with the rules it can
express: the column types, required, pattern, enum, minimum/maximum, unique
Fall-ID and Kosten = Fachleistungsstunden x Stundensatz (row constraint).
No error limit, so it reads the whole sheet as `sozialraum check` does.

    python3 -m venv /tmp/flenv && /tmp/flenv/bin/pip install "frictionless[excel]"
    /usr/bin/time -v /tmp/flenv/bin/python bench/frictionless_validate.py target/bench/fall_1m.xlsx

Prints the number of rows and errors; time it from outside.
"""

import sys

from frictionless import Checklist, Resource, Schema, checks, formats

SOZIALRAEUME = [
    "Achim",
    "Verden",
    "Oyten/Ottersberg",
    "Langwedel",
    "Dörverden/Kirchlinteln",
    "Thedinghausen",
]
HILFEARTEN = ["§ 27 Abs. 2", "§ 29", "§ 30", "§ 31", "§ 32", "§ 35", "§ 35a", "§ 41"]

SCHEMA = {
    "fields": [
        {
            "name": "Fall-ID",
            "type": "string",
            "constraints": {"required": True, "unique": True, "pattern": r"JA-\d{4}-\d{5}"},
        },
        {"name": "Sozialraum", "type": "string", "constraints": {"required": True, "enum": SOZIALRAEUME}},
        {"name": "Hilfeart", "type": "string", "constraints": {"required": True, "enum": HILFEARTEN}},
        {"name": "Beginn", "type": "date", "constraints": {"required": True}},
        {"name": "Ende", "type": "date"},
        {
            "name": "Fachleistungsstunden",
            "type": "number",
            "constraints": {"required": True, "minimum": 0, "maximum": 520},
        },
        {"name": "Stundensatz", "type": "number", "constraints": {"required": True, "minimum": 0.01}},
        {"name": "Kosten", "type": "number", "constraints": {"required": True, "minimum": 0}},
        {"name": "Abweichende Zuständigkeit", "type": "string", "constraints": {"enum": ["ja", "nein"]}},
        {"name": "Begründung", "type": "string"},
        {"name": "Bemerkung", "type": "string"},
    ]
}


def main() -> None:
    path = sys.argv[1]
    resource = Resource(
        path,
        control=formats.ExcelControl(sheet="Fallarbeit"),
        schema=Schema.from_descriptor(SCHEMA),
    )
    checklist = Checklist(
        checks=[
            checks.row_constraint(
                # simpleeval, as Frictionless uses it, knows no abs() or round().
                formula="Kosten is None or Fachleistungsstunden is None or Stundensatz is None"
                " or (Kosten - Fachleistungsstunden * Stundensatz <= 0.015"
                " and Fachleistungsstunden * Stundensatz - Kosten <= 0.015)"
            )
        ]
    )
    report = resource.validate(checklist, limit_errors=10**9)
    task = report.tasks[0]
    print(f"rows {task.stats.get('rows')} errors {len(task.errors)} valid {report.valid}")


if __name__ == "__main__":
    main()
