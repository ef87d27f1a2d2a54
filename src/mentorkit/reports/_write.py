"""Writing a report's files."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._html import render_html

__all__ = ["write_report"]


def write_report(
    indicators: Mapping[str, Any], directory: Path | str, *, lang: str = "id", stem: str = "report"
) -> tuple[Path, Path]:
    """Write ``<stem>.html`` and ``<stem>.json`` into ``directory``; returns both paths."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{stem}.html"
    json_path = folder / f"{stem}.json"
    html_path.write_text(render_html(indicators, lang=lang), encoding="utf-8")
    json_path.write_text(
        json.dumps(indicators, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return html_path, json_path
