"""The Indonesian catalog: complete, compiled in sync, and covering every message in the code."""

import ast
import builtins
import gettext
import re
from pathlib import Path

import pytest

import mentorkit
from mentorkit import Label
from mentorkit.i18n import LOCALE_DIR, Translator, translator

_PO = LOCALE_DIR / "id" / "LC_MESSAGES" / "mentorkit.po"
_MO = _PO.with_suffix(".mo")
_SRC = Path(mentorkit.__file__).parent
# Files whose user-facing messages go through the catalog.
_TRANSLATED = ["cli/_main.py", "cli/_demo.py", "reports/_html.py", "i18n/_messages.py"]
# Where field issues users see are raised, and the argument holding each template.
_RAISED = ["_model.py", "_serialize.py", "io/_columns.py", "io/_import.py"]
_TEMPLATE_ARG = {"InvalidFieldError": 1, "issue": 1, "_StrictTypeError": 0, "CellError": 0}


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (a small reader: babel is not a test dependency)."""
    entries: dict[str, str] = {}
    key: str | None = None
    current: dict[str, str] = {}
    for raw in [*path.read_text("utf-8").splitlines(), ""]:
        line = raw.strip()
        if line.startswith("msgid "):
            if "msgid" in current:
                entries[current["msgid"]] = current.get("msgstr", "")
            current = {"msgid": _unquote(line[6:])}
            key = "msgid"
        elif line.startswith("msgstr "):
            current["msgstr"] = _unquote(line[7:])
            key = "msgstr"
        elif line.startswith('"') and key is not None:
            current[key] += _unquote(line)
        elif not line:
            key = None
    if "msgid" in current:
        entries[current["msgid"]] = current.get("msgstr", "")
    entries.pop("", None)  # the header
    return entries


def messages_in_code() -> set[str]:
    """Literal strings passed to ``_``, ``gettext`` or a progress ``step`` in the source."""
    found: set[str] = set()
    for name in _TRANSLATED:
        tree = ast.parse((_SRC / name).read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if called in ("_", "gettext", "step", "N_") and literal:
                found.add(first.value)
    return found


def templates_raised() -> set[str]:
    """Literal message templates of the field issues that decoding and import raise."""
    found: set[str] = set()
    for name in _RAISED:
        for node in ast.walk(ast.parse((_SRC / name).read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            position = _TEMPLATE_ARG.get(called or "")
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


class TestCatalog:
    """Every message is translated, and the shipped .mo says what the .po says."""

    def test_every_message_translated(self) -> None:
        entries = read_po(_PO)
        assert len(entries) > 50
        untranslated = [k for k, v in entries.items() if not v.strip()]
        assert untranslated == []

    def test_mo_in_sync_with_po(self) -> None:
        entries = read_po(_PO)
        with _MO.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        stale = {k: v for k, v in entries.items() if compiled.gettext(k) != v}
        assert stale == {}, "recompile the .mo (see docs/reference/cli.md, 'Translations')"

    def test_code_messages_are_in_the_catalog(self) -> None:
        used = messages_in_code()
        assert len(used) > 100, "the scan finds the messages"
        missing = used - set(read_po(_PO))
        assert missing == set(), "extract and translate the new messages"

    def test_field_issue_templates_are_in_the_catalog(self) -> None:
        raised = templates_raised()
        assert "required field missing" in raised, "the scan finds the templates"
        missing = raised - set(read_po(_PO))
        assert missing == set(), "add them to mentorkit/i18n/_messages.py and translate"

    def test_help_texts_are_in_the_catalog(self) -> None:
        from mentorkit.cli import main
        from mentorkit.cli._help import help_messages

        helps = set(help_messages(main))
        assert "Show this message and exit." in helps, "the walk finds the options' help"
        missing = helps - set(read_po(_PO))
        assert missing == set(), "run docs/gen_cli_reference.py --pot (see 'Translations')"

    def test_field_issues_render_in_indonesian(self) -> None:
        from mentorkit import Business, DecodeError, decode

        with pytest.raises(DecodeError) as caught:
            decode({"id": "B-1", "name": "", "owner": {"name": "S", "nik": "1"}}, Business)
        rendered = sorted(i.render(translator("id").gettext) for i in caught.value.issues)
        assert "$.owner.nik: NIK harus tepat 16 digit" in rendered
        assert "$.name: tidak boleh kosong" in rendered
        assert "$.sector: kolom wajib belum diisi" in rendered

    def test_placeholders_survive_translation(self) -> None:
        for msgid, msgstr in read_po(_PO).items():
            assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", msgstr)), msgid


class TestTranslator:
    """Class-based API: one object per language, nothing installed globally."""

    def test_indonesian_and_english(self) -> None:
        assert translator("id").gettext("Businesses by district") == "Usaha per kecamatan"
        assert translator("en").gettext("Businesses by district") == "Businesses by district"

    def test_unknown_message_falls_back_to_english(self) -> None:
        assert translator("id").gettext("no such message, surely") == "no such message, surely"

    def test_unknown_language_refused(self) -> None:
        with pytest.raises(ValueError, match="unsupported language"):
            Translator("fr")

    def test_no_global_install(self) -> None:
        translator("id").gettext("yes")
        assert not hasattr(builtins, "_")

    def test_labels_and_numbers(self) -> None:
        label = Label(en="Bookkeeping", id="Pembukuan")
        assert translator("id").label(label) == "Pembukuan"
        assert translator("en").label(label) == "Bookkeeping"
        assert translator("id").number(1234567.5, 1) == "1.234.567,5"
        assert translator("en").number(1234567.5, 1) == "1,234,567.5"
