"""khata/settings.py is the one list of settings: the README documents exactly those,
code reads no other, and every entry point reads .env the same way."""
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from khata import settings

ROOT = Path(__file__).resolve().parents[2]
PY_SOURCES = [ROOT / "streamlit_app.py", *[p for d in ("khata", "flows", "dashboard", "bench", "scripts")
                                          for p in (ROOT / d).rglob("*.py")]]
SHELL_SOURCES = [*(ROOT / "scripts").glob("*.sh"), ROOT / "Makefile"]
SETTING_LIKE = re.compile(r"^(KHATA|TWILIO)_[A-Z0-9_]+$")
ENV_READ = re.compile(
    r"""(?:environ\.get|getenv|environ\.setdefault|environ\[|\bget|raw|parse_value)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")


def readme_settings() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text[text.index("## Configuration"):]
    table = table[:table.index("\n## ", 1)]
    names = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def settings_read_by_code() -> dict[str, str]:
    """Every setting name the code reads: environment reads and settings lookups in Python,
    string constants that look like our settings, and ${NAME...} / $NAME reads in the scripts."""
    found = {}
    for path in PY_SOURCES:
        source = path.read_text()
        for name in ENV_READ.findall(source):
            found.setdefault(name, str(path.relative_to(ROOT)))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SETTING_LIKE.match(node.value):
                found.setdefault(node.value, str(path.relative_to(ROOT)))
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name != "test_settings.py":
            for name in re.findall(r"""(?:environ\.get|getenv|settings\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']""",
                                   path.read_text()):
                found.setdefault(name, str(path.relative_to(ROOT)))
    for path in SHELL_SOURCES:
        source = path.read_text()
        assigned = set(re.findall(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=", source, re.MULTILINE))
        for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*):-", source):
            found.setdefault(name, str(path.relative_to(ROOT)))
        for name in re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", source):
            if name not in assigned and (SETTING_LIKE.match(name) or name.startswith("PREFECT_")):
                found.setdefault(name, str(path.relative_to(ROOT)))
        for name in re.findall(r"\b((?:KHATA|TWILIO)_[A-Z0-9_]+)=", source):  # e.g. KHATA_RELIABILITY=full make
            found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_readme_table_is_the_settings_module():
    assert readme_settings() == set(settings.SETTINGS)


def test_code_reads_no_setting_the_readme_does_not_list():
    documented = readme_settings()
    read = settings_read_by_code()
    assert {"KHATA_DB", "KHATA_COOKIE_KEY_FILE", "TWILIO_TIMEOUT_S", "PREFECT_PORT", "KHATA_PORT",
            "KHATA_RELIABILITY"} <= set(read)  # the scan finds what it must
    undocumented = {name: where for name, where in read.items() if name not in documented}
    assert not undocumented, f"read but not in the README's configuration table: {undocumented}"


def test_env_example_mentions_every_setting():
    example = (ROOT / ".env.example").read_text()
    assert [n for n in settings.SETTINGS if n not in example] == []


def test_values_types_defaults_and_one_line_errors(monkeypatch, tmp_path):
    monkeypatch.setenv("KHATA_DOTENV", str(tmp_path / "none.env"))
    for name in settings.SETTINGS:
        monkeypatch.delenv(name, raising=False) if name != "KHATA_DOTENV" else None
    assert settings.get("KHATA_LOCK_TIMEOUT") == 20.0 and settings.get("KHATA_PORT") == 8501
    assert settings.get("KHATA_REMINDER_WORKERS") is None
    monkeypatch.setenv("KHATA_LOGIN_MAX_ATTEMPTS", " 7 ")
    assert settings.get("KHATA_LOGIN_MAX_ATTEMPTS") == 7
    for name, bad in (("KHATA_LOCK_TIMEOUT", "soon"), ("KHATA_PORT", "70000"), ("KHATA_COOKIE_DAYS", "0"),
                      ("KHATA_RELIABILITY", "fast"), ("KHATA_COOKIE_KEY", "short")):
        monkeypatch.setenv(name, bad)
        with pytest.raises(settings.SettingError) as err:
            settings.get(name)
        message = str(err.value)
        assert message.startswith(name) and "\n" not in message and "environment" in message
        assert ("short" not in message) if name == "KHATA_COOKIE_KEY" else (bad in message)  # secrets stay hidden
        monkeypatch.delenv(name)
    with pytest.raises(KeyError):
        settings.get("KHATA_NO_SUCH_THING")


def test_dotenv_fills_in_and_the_environment_wins(monkeypatch, tmp_path):
    dotenv = tmp_path / "my.env"
    dotenv.write_text("KHATA_LOCK_TIMEOUT=3\nKHATA_PORT=9999\nTWILIO_TIMEOUT_S=\n")
    monkeypatch.setenv("KHATA_DOTENV", str(dotenv))
    monkeypatch.delenv("KHATA_LOCK_TIMEOUT", raising=False)
    monkeypatch.setenv("KHATA_PORT", "8600")
    assert settings.get("KHATA_LOCK_TIMEOUT") == 3.0
    assert settings.get("KHATA_PORT") == 8600
    assert settings.raw("KHATA_LOCK_TIMEOUT") == ("3", str(dotenv))
    assert settings.get("TWILIO_TIMEOUT_S") == 15.0  # blank counts as unset
    assert "KHATA_LOCK_TIMEOUT" not in os.environ  # .env is read, never copied into the environment


def _without_settings(env_extra):
    env = {k: v for k, v in os.environ.items() if k not in settings.SETTINGS}
    return {**env, **env_extra}


def test_the_cli_reads_dotenv_and_refuses_a_bad_value_in_one_line(tmp_path):
    dotenv = tmp_path / "cli.env"
    dotenv.write_text(f"KHATA_DB={tmp_path / 'from-dotenv.duckdb'}\n")
    result = subprocess.run([sys.executable, "-m", "khata", "init"], cwd=ROOT, capture_output=True, text=True,
                            env=_without_settings({"KHATA_DOTENV": str(dotenv)}), timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv.duckdb").is_file()
    dotenv.write_text(f"KHATA_DB={tmp_path / 'x.duckdb'}\nKHATA_LOCK_TIMEOUT=a while\n")
    result = subprocess.run([sys.executable, "-m", "khata", "init"], cwd=ROOT, capture_output=True, text=True,
                            env=_without_settings({"KHATA_DOTENV": str(dotenv)}), timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"error: KHATA_LOCK_TIMEOUT must be a number of seconds (0 or more), "
                                     f"not 'a while' (from {dotenv}).")


def test_a_bare_streamlit_run_reads_dotenv_too(monkeypatch, tmp_path):
    """`streamlit run streamlit_app.py` without make: the app still reads .env, through khata.settings."""
    from streamlit.testing.v1 import AppTest

    dotenv = tmp_path / "app.env"
    dotenv.write_text("KHATA_COOKIE_DAYS=-1\n")
    monkeypatch.setenv("KHATA_DOTENV", str(dotenv))
    monkeypatch.delenv("KHATA_COOKIE_DAYS", raising=False)
    monkeypatch.setenv("KHATA_DB", str(tmp_path / "k.duckdb"))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception
    assert [e.value for e in at.error] == [f"KHATA_COOKIE_DAYS must be a number more than 0, not '-1' (from {dotenv})."]


@pytest.mark.parametrize("name, file_setting", [
    ("KHATA_COOKIE_KEY", "KHATA_COOKIE_KEY_FILE"), ("KHATA_LINK_KEY", "KHATA_LINK_KEY_FILE"),
    ("KHATA_EXPORT_KEY", "KHATA_EXPORT_KEY_FILE"),
    ("KHATA_STREAMLIT_COOKIE_SECRET", "KHATA_STREAMLIT_COOKIE_SECRET_FILE")])
def test_a_secret_is_the_setting_else_generated_once_into_a_private_file(monkeypatch, tmp_path, name, file_setting):
    import stat
    import threading

    path = tmp_path / "keys" / "secret"
    monkeypatch.setenv("KHATA_DOTENV", str(tmp_path / "none.env"))
    monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(file_setting, str(path))
    found: list[str] = []
    racers = [threading.Thread(target=lambda: found.append(settings.secret_or_generated(name, file_setting, "key")))
              for _ in range(4)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert len(set(found)) == 1 and len(found[0]) >= 32 and path.read_text() == found[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings.secret_or_generated(name, file_setting, "key") == found[0]  # kept, not made again
    monkeypatch.setenv(name, "s" * 40)
    assert settings.secret_or_generated(name, file_setting, "key") == "s" * 40  # the setting wins
    monkeypatch.setenv(name, "short")
    with pytest.raises(settings.SettingError, match=name):
        settings.secret_or_generated(name, file_setting, "key")
    monkeypatch.delenv(name)
    path.write_text("tiny")
    with pytest.raises(settings.SettingError, match="too short; delete the file"):
        settings.secret_or_generated(name, file_setting, "key")
    assert path.read_text() == "tiny"  # refused, never quietly replaced
