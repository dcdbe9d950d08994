"""Fill English catalogue entries from a JSON map {msgid: msgstr} (after `make messages`).

Entries named in the map get that translation and lose the fuzzy flag; the rest are left
alone. Prints what is still untranslated or fuzzy, so nothing is silently skipped.
Usage: .venv/bin/python scripts/fill_catalogue.py map.json
       .venv/bin/python scripts/compile_messages.py
"""

import json
import sys
from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parent.parent / "locale/en/LC_MESSAGES/django.po"


def main(map_path: str) -> int:
    translations = json.loads(Path(map_path).read_text(encoding="utf-8"))
    po = polib.pofile(str(CATALOGUE))
    for entry in po:
        if entry.obsolete or entry.msgid not in translations:
            continue
        text = translations[entry.msgid]
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text, 1: text}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
    po.save()
    left = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    for msgid in left:
        print("still to translate:", msgid)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
