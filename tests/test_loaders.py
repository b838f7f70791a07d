"""MapEach: the loader's processors, as MapCompose would run them."""

from __future__ import annotations

import pytest
from itemloaders.processors import MapCompose

from crawler.loaders import MapEach


def _none_for_b(value: str) -> str | None:
    return None if value == "b" else value


def _split(value: str) -> list[str]:
    return value.split(",")


def _as_tuple(value: str) -> tuple[str, str]:
    return (value, value.upper())


def _as_dict(value: str) -> dict[str, str]:
    return {"url": value}


def _as_set(value: str) -> set[str]:
    return {value}


@pytest.mark.parametrize(
    ("functions", "value"),
    [
        ((str.strip,), " a "),
        ((str.strip,), [" a ", " b "]),
        ((str.strip,), None),
        ((str.strip,), []),
        ((_none_for_b,), ["a", "b", "c"]),
        ((_split, str.strip), "a, b,c"),
        ((_split, _none_for_b, str.upper), ["a,b", "b,c"]),
        ((_as_tuple,), ["x", "y"]),
        ((_as_dict,), ["x", "y"]),
        ((_as_set,), ["x"]),
        ((str.strip, _none_for_b), " b "),
        ((), ["kept", "as", "is"]),
    ],
)
def test_map_each_gives_what_map_compose_gives(functions, value):
    assert MapEach(*functions)(value) == list(MapCompose(*functions)(value))


def test_map_each_names_the_function_and_value_that_failed():
    with pytest.raises(ValueError, match=r"int.*value='x'.*ValueError"):
        MapEach(int)(["1", "x"])
