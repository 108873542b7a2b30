"""Print the parser's evaluation figure at the end of the run, next to the pass/fail counts."""

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The summary test_eval_accuracy recorded as its "parser_eval" property, if it ran."""
    reports = [*terminalreporter.stats.get("passed", []), *terminalreporter.stats.get("failed", [])]
    for report in reports:
        for name, value in getattr(report, "user_properties", []):
            if name == "parser_eval":
                terminalreporter.write_sep("-", "bot parser evaluation")
                terminalreporter.write_line(str(value))
