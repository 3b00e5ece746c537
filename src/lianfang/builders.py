"""Fast constructors for frozen values built from parts that were already checked.

The generated ``__init__`` of a frozen, slotted attrs class sets each field with
``object.__setattr__(self, name, value)``, which looks the slot up by its name every
time. The hot paths (routing every report, folding a journal of millions of events)
build values from parts validated when they were made, so :func:`trusted` gives them a
constructor that sets the slots through their descriptors directly, in about two thirds
of the time. For a class made with ``weakref_slot=False`` straight on ``object`` it does
better still, about a third of the time: it fills in a draft, an instance of a plain
class with the same slots, whose attributes the interpreter sets without any call, and
then makes the draft an instance of the frozen class (``__class__`` assignment, which
Python allows between classes of the same layout).

A trusted constructor takes every field, positionally, in the class's field order, and
runs no validators, converters or defaults: the caller vouches for the values. Values it
builds are equal to those the class's own ``__init__`` builds from the same arguments
(``tests/unit/test_builders.py``).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["trusted"]

T = TypeVar("T")


def trusted(cls: type[T]) -> Callable[..., T]:
    """A positional constructor of ``cls`` (a frozen, slotted attrs class) that skips its
    validators: ``trusted(Assignment)(assignee_id, role, due_at)``."""
    if not attrs.has(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted attrs class")
    if hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        raise TypeError(f"{cls.__name__} does work in __init__ that a trusted build would skip")
    names = [field.name for field in attrs.fields(cls)]
    setters: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    for name in names:
        if not isinstance(getattr(cls, name), types.MemberDescriptorType):
            raise TypeError(f"{cls.__name__}.{name} is not a plain slot")
    draft = _draft_class(cls)
    if draft is not None:
        setters["_draft"] = draft
        lines = [f"def build({', '.join(names)}):", "    self = _new(_draft)"]
        lines.extend(f"    self.{name} = {name}" for name in names)
        lines.append("    self.__class__ = _cls")
    else:
        lines = [f"def build({', '.join(names)}):", "    self = _new(_cls)"]
        for index, name in enumerate(names):
            setters[f"_set{index}"] = getattr(cls, name).__set__
            lines.append(f"    _set{index}(self, {name})")
    lines.append("    return self")
    # The names are the class's own field names, so the source is as safe as attrs' own
    # generated __init__.
    exec("\n".join(lines), setters)
    build: Callable[..., T] = setters["build"]
    build.__qualname__ = build.__name__ = f"trusted_{cls.__name__}"
    build.__doc__ = f"A {cls.__name__} from every field, positionally, unchecked."
    return build


def _draft_class(cls: type) -> type | None:
    """A plain class with ``cls``'s slots whose instances may become ``cls`` instances, or
    None. Python allows that only between classes of the same layout; a ``__weakref__``
    slot after the others (as attrs adds it) or slots inherited from another class make
    the layouts differ as Python compares them, so those classes get None."""
    if cls.__bases__ != (object,) or "__weakref__" in cls.__dict__:
        return None
    draft = type(f"{cls.__name__}Draft", (), {"__slots__": cls.__dict__["__slots__"]})
    probe: Any = object.__new__(draft)
    try:
        probe.__class__ = cls
    except TypeError:
        return None
    return draft
