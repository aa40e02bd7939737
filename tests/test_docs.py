"""The README cannot drift: its commands are the ones CI and users run."""

from __future__ import annotations

import re
from pathlib import Path

from chutian_mdm.cli import main
from chutian_mdm.domains.schema import rules

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    """The commands of the first shell block of the README, one per line."""
    block = re.search(r"```(?:sh|bash|console)\n(.*?)```", README, re.S)
    assert block, "README.md must open with a shell block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_readme_opens_with_install_and_demo_then_the_test_command() -> None:
    install_and_demo, test_command = readme_commands()[:2]
    assert "pip install" in install_and_demo and "chutian-mdm demo" in install_and_demo
    assert "pytest" in test_command


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = readme_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_every_rule_is_documented_in_the_readme() -> None:
    for code in rules():
        assert f"`{code}`" in README, f"rule {code} missing from README"


def test_every_command_in_the_cli_reference_exists(capsys) -> None:
    for command in re.findall(r"^\| `chutian-mdm ([a-z ]+?)(?: [A-Z\[<].*?)?` \|", README, re.M):
        assert main([*command.split(), "--help"]) == 0, command
    capsys.readouterr()
