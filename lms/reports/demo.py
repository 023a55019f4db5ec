"""Demo data for the dashboards (``load_demo``): the summary tables built from what the other
apps' demos loaded (bulk loads bypass the signals that keep them)."""

from __future__ import annotations


def load_demo(stdout) -> None:
    from .services import summaries_refresh

    rows = summaries_refresh()
    stdout.write(f"reports: {rows} summary rows")
