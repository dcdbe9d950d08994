"""Chinese is the default; the English catalogue covers every user-facing string."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
EN_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_it_serves_chinese_by_default(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html


def test_it_a_browser_asking_for_english_still_gets_chinese(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_it_serves_english_when_chosen(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "登录" not in html


def test_it_an_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get(reverse("login"))
    assert '<html lang="zh-hans">' in response.content.decode()


def test_it_every_catalogue_entry_is_translated():
    catalogue = polib.pofile(str(EN_PO))
    missing = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert len(catalogue) > 50
    assert missing == [], f"untranslated: {missing[:20]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:20]}"


def test_it_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(EN_PO))
    mo = polib.mofile(str(EN_PO.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    for entry in po.translated_entries():
        key = (entry.msgctxt, entry.msgid)
        assert key in compiled, f"not compiled (run `make messages`): {entry.msgid}"


def test_it_gettext_uses_the_catalogue():
    with translation.override("en"):
        assert translation.gettext("我的职务") == "My posts"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext not installed")
def test_it_catalogue_covers_every_marked_string(tmp_path):
    """Extract strings from a copy of the tree and compare with the committed catalogue."""
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "static", "*.pyc")
    shutil.copytree(ROOT, copy, ignore=ignore)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-i", "tests"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / EN_PO.relative_to(ROOT)))}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(EN_PO))}
    new = sorted(msgid for _, msgid in extracted - committed)
    assert new == [], f"strings missing from locale/en (run `make messages`): {new[:30]}"
