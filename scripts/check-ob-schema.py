#!/usr/bin/env python3
"""Checks credentials against 1EdTech's Open Badges 3.0 JSON Schema with an implementation independent of Pathways.

    python3 scripts/check-ob-schema.py CASES.json

CASES.json is a list of {"name": "...", "credential": {...}, "expect": "valid" | "invalid", "mentions": "field"}:
the credential as signed (the VC-JWT payload's credential). The schema is the vendored
../shared/corpus/openbadges/ob_v3p0_achievementcredential_schema.json, applied with Python's jsonschema as Draft 2019-09
with the date-time and date formats checked. An invalid case must fail, and its first error must name `mentions`
(so a case cannot pass by failing for some other reason). Prints one line per case; exits 1 if any case comes out
other than expected.
"""
import datetime
import json
import os
import pathlib
import re
import sys

import jsonschema

# The schema is 1EdTech's, read from the corpus beside the checkout (or $PATHWAYS_CORPUS), never copied into it.
CORPUS = pathlib.Path(os.environ.get("PATHWAYS_CORPUS") or pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "corpus")
SCHEMA = CORPUS / "openbadges" / "ob_v3p0_achievementcredential_schema.json"
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

formats = jsonschema.FormatChecker()


@formats.checks("date-time", raises=ValueError)
def is_date_time(value):
    if not isinstance(value, str):
        return True
    if not DATE_TIME.match(value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time with a time zone")
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@formats.checks("date", raises=ValueError)
def is_date(value):
    if isinstance(value, str):
        datetime.date.fromisoformat(value)
    return True


def describe(error):
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    return f"{where}: {error.message}"


def main():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft201909Validator.check_schema(schema)
    validator = jsonschema.Draft201909Validator(schema, format_checker=formats)
    failed = 0
    for case in json.load(open(sys.argv[1])):
        errors = sorted(validator.iter_errors(case["credential"]), key=lambda e: list(e.absolute_path))
        expected = case.get("expect", "valid")
        if expected == "valid":
            ok = not errors
            detail = "valid" if ok else "; ".join(describe(e) for e in errors[:5])
        else:
            text = "; ".join(describe(e) for e in errors)
            ok = bool(errors) and case["mentions"] in text
            detail = text or "accepted, but it should not have been"
        failed += not ok
        print(f"{'ok' if ok else 'UNEXPECTED':10} {case['name']} (expected {expected}): {detail}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
