"""The loader's processors: MapEach as MapCompose would run them, the byline role fields."""

from __future__ import annotations

import pytest
from itemloaders.processors import MapCompose

from crawler.loaders import ArticleLoader, BylineRole, MapEach
from crawler.normalize import split_byline


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


# --- the role fields: a byline split once, names as split_byline gives them ---------


@pytest.mark.parametrize(
    "bylines",
    [
        ["记 者 沈 洁通讯员 吕军超 冯 萍"],
        ["记者 张三 摄"],
        ["沈洁"],
        ["本报记者 李四 通讯员 王五", "记者 张三 摄"],
        ["记者 张三", "记者 张三"],
        [],
    ],
)
def test_role_fields_take_the_names_split_byline_gives(bylines):
    loader = ArticleLoader()
    for byline in bylines:
        for field in ("byline", "reporters", "correspondents", "photographers"):
            loader.add_value(field, byline)
    record = loader.load_item()
    for field in ("reporters", "correspondents", "photographers"):
        names = [name for byline in bylines for name in getattr(split_byline(byline), field)]
        assert getattr(record, field) == list(dict.fromkeys(names))


def test_role_processors_of_two_loaders_are_one_to_itemloaders_signature_cache():
    # itemloaders caches whether a processor takes loader_context by the
    # processor itself; a processor unequal on every loader would be inspected anew.
    first, second = ArticleLoader(), ArticleLoader()
    first.add_value("reporters", "记者 张三")
    assert first.get_input_processor("reporters") == second.get_input_processor("reporters")
    assert hash(first.get_input_processor("reporters")) == hash(second.get_input_processor("reporters"))
    assert first.get_input_processor("reporters") != first.get_input_processor("photographers")
    assert BylineRole("reporters", {}) == BylineRole("reporters", {"x": split_byline("记者 x")})
