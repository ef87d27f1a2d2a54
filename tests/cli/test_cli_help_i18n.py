"""``mentorkit --help`` in Indonesian and English: the help texts go through the catalog."""

import inspect

import click
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from mentorkit.cli import main
from mentorkit.cli._help import CLICK_WORDS, HELP_LANG, help_language, help_messages, scan_lang
from mentorkit.i18n import translator

# Help texts whose Indonesian is, on purpose, the English text (none so far: add with a reason).
IDENTICAL_ON_PURPOSE: frozenset[str] = frozenset()
# `batch --help` is the argparse help of mentorkit.batch (English); its short help is checked.
_CLICK_HELP = [name for name in main.list_commands(click.Context(main)) if name != "batch"]


def run(*args: str, lang_env: str | None = None) -> Result:
    result = CliRunner(env={"MENTORKIT_LANG": lang_env}).invoke(
        main, list(args), prog_name="mentorkit", terminal_width=200, max_content_width=200
    )
    assert result.exit_code == 0, result.output
    return result


def flat(text: str) -> str:
    """``text`` with every run of white space made one space (help is re-wrapped).

    The help is rendered 200 columns wide so that no word is split at a hyphen.
    """
    return " ".join(text.split())


def _params_with_help(name: str) -> list[click.Parameter]:
    root = click.Context(main, info_name="mentorkit", help_option_names=["-h", "--help"])
    command = main.get_command(root, name)
    assert command is not None
    ctx = click.Context(command, info_name=name, parent=root, help_option_names=["-h", "--help"])
    return [p for p in command.get_params(ctx) if p.help]


class TestHelpLanguage:
    """The language of ``--help`` follows the root's ``--lang``, then MENTORKIT_LANG, then id."""

    def test_import_help_in_indonesian(self) -> None:
        out = run("--lang", "id", "import", "--help").output
        assert "Mengimpor usaha, pendamping, koperasi, atau observasi" in flat(out)
        assert "Penggunaan: mentorkit import" in out
        assert "Opsi:" in out
        assert "[bawaan: mentorkit.db]" in flat(out)
        assert "Import businesses" not in out
        assert "Options:" not in out

    def test_import_help_in_english(self) -> None:
        out = run("--lang", "en", "import", "--help").output
        assert "Import businesses, mentors, cooperatives or observations" in flat(out)
        assert "Usage: mentorkit import" in out
        assert "[default: mentorkit.db]" in flat(out)
        assert "Mengimpor" not in out

    def test_environment_variable(self) -> None:
        out = run("import", "--help", lang_env="en").output
        assert "Import businesses" in flat(out)
        assert "Mengimpor" not in out

    def test_option_beats_environment(self) -> None:
        out = run("--lang", "id", "import", "--help", lang_env="en").output
        assert "Mengimpor usaha" in flat(out)

    def test_indonesian_by_default(self) -> None:
        out = run("--help").output
        assert "Menjalankan program pendampingan UMKM" in flat(out)
        assert "Perintah:" in out

    @pytest.mark.parametrize("args", [["--lang", "en", "--help"], ["--help", "--lang", "en"]])
    def test_root_help_whatever_the_order(self, args: list[str]) -> None:
        out = run(*args).output
        assert "Run a UMKM mentoring programme" in flat(out)
        assert "Commands:" in out

    def test_batch_short_help_translated(self) -> None:
        listing = {flat(line) for line in run("--lang", "id", "--help").output.splitlines()}
        assert any(line.startswith("batch Menilai dan merujuk") for line in listing)

    def test_whynot_own_lang_does_not_change_the_help_language(self) -> None:
        out = run("--lang", "en", "whynot", "--lang", "id", "--help").output
        assert "Explain why a business is not referred" in flat(out)

    @given(
        before=st.lists(st.sampled_from([["-q"], ["--plugins", "a,b"], ["--lang", "en"]])),
        last=st.sampled_from(["id", "en"]),
        after=st.lists(st.sampled_from(["--lang", "en", "id", "-h", "x"]), max_size=4),
    )
    def test_scan_reads_the_last_root_lang_only(
        self, before: list[list[str]], last: str, after: list[str]
    ) -> None:
        args = [a for pair in before for a in pair] + [f"--lang={last}", "import", *after]
        assert scan_lang(args) == last
        assert scan_lang(["import", "--lang", "en"]) is None

    def test_context_language(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("MENTORKIT_LANG", raising=False)
        root = click.Context(main)
        assert help_language(root) == "id"
        monkeypatch.setenv("MENTORKIT_LANG", "en")
        assert help_language(click.Context(main, parent=root)) == "en"
        root.meta[HELP_LANG] = "id"
        assert help_language(click.Context(main, parent=root)) == "id"


class TestEveryHelpTranslated:
    """Every command's and option's help has its own Indonesian text."""

    def test_help_messages_found(self) -> None:
        messages = help_messages(main)
        assert "No progress bars." in messages, "root options are collected"
        assert any(m.startswith("Explain why a business") for m in messages), "lazy commands too"
        assert set(CLICK_WORDS) <= set(messages)

    @pytest.mark.parametrize("message", help_messages(main))
    def test_indonesian_differs_from_english(self, message: str) -> None:
        indonesian = translator("id").gettext(message)
        assert indonesian != message or message in IDENTICAL_ON_PURPOSE
        assert translator("en").gettext(message) == message

    @pytest.mark.parametrize("name", _CLICK_HELP)
    def test_each_command_help_shown_translated(self, name: str) -> None:
        id_out = flat(run("--lang", "id", name, "--help").output)
        en_out = flat(run("--lang", "en", name, "--help").output)
        t = translator("id").gettext
        command = main.get_command(click.Context(main), name)
        assert command is not None
        assert command.help
        text = inspect.cleandoc(command.help)
        assert flat(text) in en_out
        assert flat(t(text)) in id_out
        assert flat(text) not in id_out
        for param in _params_with_help(name):
            assert param.help is not None
            assert flat(param.help) in en_out, (name, param.name)
            assert flat(t(param.help)) in id_out, (name, param.name)
            if param.help not in IDENTICAL_ON_PURPOSE:
                assert flat(param.help) not in id_out, (name, param.name)


class TestIndonesianReference:
    """docs/reference/cli-id.md is the Indonesian help the generator writes."""

    def test_up_to_date(self) -> None:
        import importlib.util
        from pathlib import Path

        docs = Path(__file__).resolve().parents[2] / "docs"
        spec = importlib.util.spec_from_file_location("gen_cli", docs / "gen_cli_reference.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        text = (docs / "reference" / "cli-id.md").read_text("utf-8")
        assert text == module.render_cli("id"), "stale: run docs/gen_cli_reference.py"
        assert "Penggunaan: mentorkit import" in text
        assert "Show this message and exit." not in text
