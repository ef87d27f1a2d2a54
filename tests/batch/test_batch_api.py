"""mentorkit.batch keeps the public-API promises: sorted, documented, light to import."""

import inspect
import subprocess
import sys

from mentorkit import batch


class TestBatchApi:
    """Every public name resolves and is documented; optional extras stay unimported."""

    def test_all_is_sorted_and_resolves(self) -> None:
        names = list(batch.__all__)
        assert names == sorted(names, key=lambda n: (not n.isupper(), n))
        assert [n for n in names if not hasattr(batch, n)] == []

    def test_public_names_documented(self) -> None:
        undocumented = []
        for name in batch.__all__:
            obj = getattr(batch, name)
            is_code = inspect.isclass(obj) or inspect.isfunction(obj)
            if is_code and not inspect.getdoc(obj):
                undocumented.append(name)
            for attr, member in vars(obj).items() if inspect.isclass(obj) else ():
                public = not attr.startswith("_") and inspect.isfunction(member)
                if public and not inspect.getdoc(member):
                    undocumented.append(f"{name}.{attr}")
        assert undocumented == []

    def test_import_does_not_load_dask_or_pyarrow(self) -> None:
        code = (
            "import sys, mentorkit.batch; "
            "print(sorted(m for m in ('distributed', 'dask', 'pyarrow') if m in sys.modules))"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]"
