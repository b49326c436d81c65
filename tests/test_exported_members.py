"""The public API is exactly what kg.__all__ lists."""

import kg


def test_all_lists_every_public_member_and_nothing_else():
    public = {name for name, value in vars(kg).items()
              if not name.startswith("_") and not isinstance(value, type(kg))}
    assert set(kg.__all__) == public


def test_every_exported_member_has_a_docstring():
    missing = [name for name in kg.__all__ if not (getattr(kg, name).__doc__ or "").strip()]
    assert missing == []
