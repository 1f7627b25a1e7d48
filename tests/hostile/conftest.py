"""Print how many hostile inputs the run tried (the issue's closing note quotes the total)."""

from tests.hostile import TRIED


def pytest_terminal_summary(terminalreporter) -> None:
    if not TRIED:
        return
    total = sum(TRIED.values())
    terminalreporter.write_sep("-", "hostile input")
    for label, count in sorted(TRIED.items()):
        terminalreporter.write_line(f"{count:6d}  {label}")
    terminalreporter.write_line(f"hostile inputs tried: {total} over {len(TRIED)} forms/imports")
