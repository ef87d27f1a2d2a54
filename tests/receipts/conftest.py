"""Make the receipts tests' rule pack importable as ``receipts_pack``.

Tests are not a package (``--import-mode=importlib``), so the pack module is
loaded by path once and registered in ``sys.modules``; the CLI tests can then
name its plugins as ``receipts_pack:ReceiptsPlugin``.
"""

import importlib.util
import sys
from pathlib import Path


def _load_pack() -> None:
    if "receipts_pack" in sys.modules:
        return
    path = Path(__file__).with_name("receipts_pack.py")
    spec = importlib.util.spec_from_file_location("receipts_pack", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["receipts_pack"] = module
    spec.loader.exec_module(module)


_load_pack()
