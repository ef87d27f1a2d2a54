"""Constructors that skip an attrs class's validators, for values already checked.

The engine and the batch make hundreds of thousands of small frozen values
whose fields they have just checked themselves (hashes this package made,
observations whose every field a fast decoder tested). Running the class's
validators again costs more than the rest of the work on them.
:func:`trusted_constructor` builds a function that fills the slots
directly, and only while the class is exactly as expected: slotted, the
listed fields in that order, no converters, no ``__attrs_post_init__``
(unless the caller asks for it to run, see ``post_init``). Otherwise it
returns the class itself, so callers never depend on the shortcut for
correctness. Each use is checked against the class's own constructor by
property tests.
"""

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


def trusted_constructor(
    cls: type[T], names: tuple[str, ...], *, post_init: bool = False
) -> Callable[..., T]:
    """A function ``make(*values)`` equal to ``cls(*values)`` without its validators.

    ``values`` are given positionally, one per name in ``names`` (all the
    class's fields, in order). Returns ``cls`` itself when the class does
    not have exactly that shape.

    With ``post_init=True`` a class with an ``__attrs_post_init__`` fits
    too, and ``make`` calls it once the slots are filled, as attrs does:
    only the field validators are skipped, the class's own cross-field
    checks still run (and raise as they would).
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]  # an attrs class: attrs checks at runtime
    fits = (
        tuple(f.name for f in fields) == names
        and all(f.converter is None for f in fields)
        and (post_init or not hasattr(cls, "__attrs_post_init__"))
        and not hasattr(cls, "__attrs_pre_init__")
        and all(name in cls.__dict__ for name in names)  # slotted: one descriptor a field
        and all(name.isidentifier() for name in names)
    )
    if not fits:
        return cls
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    obj = _new(_cls)"]
    for index, name in enumerate(names):
        namespace[f"_set{index}"] = cls.__dict__[name].__set__
        lines.append(f"    _set{index}(obj, {name})")
    hook = getattr(cls, "__attrs_post_init__", None)
    if hook is not None:  # only when post_init=True (checked above)
        namespace["_post_init"] = hook
        lines.append("    _post_init(obj)")
    lines.append("    return obj")
    exec("\n".join(lines), namespace)  # the attrs way: straight-line code, no loop per call
    made: Callable[..., T] = namespace["make"]
    made.__doc__ = f"{cls.__name__}({', '.join(names)}) without its validators (trusted)."
    return made
