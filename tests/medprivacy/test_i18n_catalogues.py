"""The committed catalogues are complete and compiled: every string marked in the sources has a reviewed
translation in locale/es and locale/de, none is empty or fuzzy, placeholders match, and each committed .mo
says exactly what its .po says (a fresh clone needs no GNU gettext to show the translations).

Run scripts/i18n-update after changing a marked string, translate, and commit the .po and .mo together.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from tests.conftest import require

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%\([a-z_]+\)\.\df|\{[a-z_]+\}")


def _po(language: str, root: Path = LOCALE) -> polib.POFile:
    return polib.pofile(str(root / language / "LC_MESSAGES" / "django.po"))


def _translations(entries) -> dict[tuple[str | None, str], object]:
    out = {}
    for entry in entries:
        if not entry.msgid or entry.obsolete:
            continue
        value = tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)) if entry.msgid_plural \
            else entry.msgstr
        out[(entry.msgctxt, entry.msgid)] = value
    return out


def test_the_project_languages_are_english_spanish_and_german():
    assert [code for code, _ in settings.LANGUAGES] == ["en", "es", "de"]
    assert LANGUAGES == ["es", "de"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_not_fuzzy_and_keeps_its_placeholders(language):
    po = _po(language)
    assert len(po) > 300
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        pairs = ([(entry.msgid, entry.msgstr_plural.get(0, "")), (entry.msgid_plural, entry.msgstr_plural.get(1, ""))]
                 if entry.msgid_plural else [(entry.msgid, entry.msgstr)])
        for source, translated in pairs:
            if not translated.strip():
                problems.append(f"empty: {source!r}")
            elif set(PLACEHOLDER.findall(translated)) - set(PLACEHOLDER.findall(entry.msgid_plural or source)) \
                    or set(PLACEHOLDER.findall(source)) - set(PLACEHOLDER.findall(translated)) - {"%(count)s"}:
                problems.append(f"placeholders differ: {source!r} → {translated!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_says_what_the_po_says(language):
    mo_path = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert mo_path.exists(), f"{mo_path} is missing: run scripts/i18n-update"
    compiled = _translations(polib.mofile(str(mo_path)))
    source = _translations(_po(language))
    assert compiled == source, "the .mo is out of step with the .po: run scripts/i18n-update and commit both"


def test_every_string_marked_in_the_sources_has_a_translation(tmp_path, monkeypatch, settings):
    require(shutil.which("xgettext") is not None and shutil.which("msgmerge") is not None,
            "needs GNU gettext (xgettext, msgmerge) to collect the marked strings: apt-get install gettext")
    # makemessages merges the sources into a copy of the catalogues, as scripts/i18n-update does, in a copy
    # of the project (it writes next to the sources it reads, and the real catalogues must stay untouched).
    project = tmp_path / "project"
    shutil.copytree(settings.BASE_DIR, project, ignore=shutil.ignore_patterns(
        ".*", "__pycache__", "var", "artifacts", "tests", "benchmarks", "scripts", "static", "node_modules"))
    settings.LOCALE_PATHS = [project / "locale"]
    monkeypatch.chdir(project)
    call_command("makemessages", locale=LANGUAGES, no_obsolete=True, verbosity=0, add_location="file",
                 ignore_patterns=["locale/*"])
    for language in LANGUAGES:
        merged = _po(language, project / "locale")
        missing = [entry.msgid for entry in merged if not entry.obsolete and not entry.translated()]
        assert not missing, (f"{language}: marked in the sources but not translated (run scripts/i18n-update "
                             f"and translate): {missing}")
        assert set(_translations(merged)) == set(_translations(_po(language))), \
            f"{language}: the committed catalogue is not the one scripts/i18n-update makes: run it"
