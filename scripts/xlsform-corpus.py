#!/usr/bin/env python3
"""The real XLSForms of ../shared/corpus/xlsform against pyxform, the reference converter.

For every form: pyxform converts it (or not); `pathways form check --json --export` reads it as an upload would.
Each form pyxform accepts must be accepted by Pathways, or refused with every message containing one of the
phrases docs/xlsform.md lists under "Refused, by name". Each form Pathways accepts is written back out, and pyxform
must read that export as the same survey: the same questions in the same order, types, labels and hints in every
language, bindings (relevant, constraint, required, calculate, messages), appearances, choice lists and settings.

    scripts/xlsform-corpus.py PATHWAYS_BINARY [CORPUS_FOLDER]

Exits 1 on any disagreement, listing each.
"""
import contextlib
import glob
import io
import json
import os
import re
import subprocess
import sys
import tempfile

from pyxform.builder import create_survey_from_xls
from pyxform.xls2xform import convert

binary = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "shared", "corpus")
folder = os.path.join(corpus, "xlsform")
if not os.path.isdir(folder):
    sys.exit(f"xlsform-corpus: no corpus at {folder}")

doc = open(os.path.join(here, "..", "docs", "xlsform.md"), encoding="utf-8").read()
section = doc.split("## Refused, by name", 1)[1]
phrases = [p for p in re.findall(r"`([^`]+)`", section) if " " in p and not p.startswith("..")]
assert len(phrases) >= 5, f"docs/xlsform.md lists too few phrases: {phrases}"


def pyxform_survey(path):
    """pyxform's conversion of a form (as xls2xform runs it, without ODK Validate): the XForm and the survey as
    plain data, or the error it gives."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            xform = convert(xlsform=path, validate=False, form_name="data").xform
            survey = create_survey_from_xls(path, default_name="data")
            return (xform, survey.to_json_dict()), None
    except Exception as error:  # pyxform raises many kinds; each is "pyxform refuses it"
        return None, f"{type(error).__name__}: {str(error)[:200]}"


def normalised(element):
    """What a respondent and an analyst meet in a survey element, without what a file layout alone changes."""
    if isinstance(element, dict):
        return {k: normalised(v) for k, v in element.items() if k not in {"id_string", "sms_keyword", "default_language"}}
    if isinstance(element, list):
        return [normalised(v) for v in element]
    return element


def first_difference(a, b, where="survey"):
    if type(a) is not type(b):
        return f"{where}: {a!r} became {b!r}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{where}.{key}: {'added' if key not in a else 'lost'} ({(b if key not in a else a)[key]!r:.80})"
            d = first_difference(a[key], b[key], f"{where}.{key}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items became {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            label = x.get("name", i) if isinstance(x, dict) else i
            d = first_difference(x, y, f"{where}[{label}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {a!r:.80} became {b!r:.80}"


files = sorted(p for p in glob.glob(os.path.join(folder, "*")) if not p.endswith(".md"))
failures = []
with tempfile.TemporaryDirectory() as out:
    run = subprocess.run([binary, "form", "check", "--json", "--export", out, *files], capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.exit(f"xlsform-corpus: pathways form check failed ({run.returncode}): {run.stderr[-2000:]}")
    pathways = {r["file"]: r for r in map(json.loads, run.stdout.splitlines())}
    counts = {"pyxform": 0, "accepted": 0, "refused by name": 0, "round-tripped": 0}
    for path in files:
        name = os.path.basename(path)
        original, error = pyxform_survey(path)
        result = pathways.get(name)
        if result is None:
            failures.append(f"{name}: pathways form check gave no result")
            continue
        if original is None:
            continue
        counts["pyxform"] += 1
        if not result["accepted"]:
            unnamed = [i for i in result["issues"] if not any(p in i for p in phrases)]
            if unnamed:
                failures.append(f"{name}: pyxform accepts it; refused with a message naming no documented feature: {unnamed[0]}")
            else:
                counts["refused by name"] += 1
            continue
        counts["accepted"] += 1
        again, error = pyxform_survey(result["exported"])
        if again is None:
            failures.append(f"{name}: pyxform refuses the form Pathways wrote back: {error}")
            continue
        # The XForm is what ODK runs: the same XForm is the same survey (`string` and `text` are one type there).
        difference = None if original[0] == again[0] else first_difference(normalised(original[1]), normalised(again[1])) or "the XForms differ"
        if difference:
            failures.append(f"{name}: the form written back differs: {difference}")
        else:
            counts["round-tripped"] += 1

print(f"xlsform-corpus: {len(files)} real forms; pyxform accepts {counts['pyxform']}; Pathways accepts {counts['accepted']} "
      f"({counts['round-tripped']} read back by pyxform as the same survey) and refuses {counts['refused by name']} naming a documented feature")
for failure in failures:
    print("  FAIL " + failure)
sys.exit(1 if failures else 0)
