"""docs/how-to/embed-in-a-service.md runs as written, top to bottom."""

import re
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "how-to" / "embed-in-a-service.md"


class TestEmbedGuide:
    """The service how-to is executed, so it cannot rot."""

    def test_guide_runs(self) -> None:
        blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
        assert len(blocks) == 4
        namespace: dict[str, object] = {"__name__": "guide"}
        for block in blocks:
            exec(compile(block, str(GUIDE), "exec"), namespace)  # our own docs, on purpose
        inbox = namespace["inbox"]
        assert len(inbox.messages) == 1  # type: ignore[attr-defined]
