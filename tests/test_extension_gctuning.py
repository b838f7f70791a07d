"""GcTuning: the collector's thresholds and the start-up freeze, for the crawl only."""

from __future__ import annotations

import gc

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.extensions.gctuning import GcTuning, gc_thresholds


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([10000, 10, 10], (10000, 10, 10)),
        ((700,), (700,)),
        ("20000,10,10", (20000, 10, 10)),
        (["5000", "5"], (5000, 5)),
        ([0], (0,)),
    ],
)
def test_gc_thresholds_reads_what_set_threshold_takes(value, expected):
    assert gc_thresholds(value) == expected


@pytest.mark.parametrize("value", [[], [1, 2, 3, 4], [-1], ["x"], None, "10000,,10"])
def test_gc_thresholds_refuses_anything_else(value):
    with pytest.raises(ValueError, match="GC_THRESHOLDS"):
        gc_thresholds(value)


def tuning(**settings):
    base = {
        name: getattr(project_settings, name)
        for name in ("GC_TUNING_ENABLED", "GC_THRESHOLDS", "GC_FREEZE_AT_START")
    }
    return GcTuning.from_crawler(get_crawler(settings_dict={**base, **settings}))


@pytest.fixture
def restored_gc():
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    yield
    gc.set_threshold(*thresholds)
    if gc.get_freeze_count() and not frozen:
        gc.unfreeze()


def test_the_crawl_runs_with_the_thresholds_and_start_up_frozen_then_both_are_undone(restored_gc):
    gc.set_threshold(700, 10, 10)
    assert gc.get_freeze_count() == 0
    extension = tuning(GC_THRESHOLDS=[12345, 11, 12])
    extension.spider_opened()
    assert gc.get_threshold() == (12345, 11, 12)
    assert gc.get_freeze_count() > 0
    extension.spider_closed()
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_without_the_freeze_only_the_thresholds_change(restored_gc):
    gc.set_threshold(700, 10, 10)
    extension = tuning(GC_FREEZE_AT_START=False)
    extension.spider_opened()
    assert gc.get_threshold() == tuple(project_settings.GC_THRESHOLDS)
    assert gc.get_freeze_count() == 0
    extension.spider_closed()
    assert gc.get_threshold() == (700, 10, 10)


def test_an_earlier_freeze_is_left_to_whoever_made_it(restored_gc):
    gc.freeze()
    frozen = gc.get_freeze_count()
    extension = tuning()
    extension.spider_opened()
    extension.spider_closed()
    assert gc.get_freeze_count() == frozen
    gc.unfreeze()


def test_disabled_it_is_not_built():
    with pytest.raises(NotConfigured):
        tuning(GC_TUNING_ENABLED=False)


def test_bad_thresholds_stop_the_crawl_before_it_starts():
    with pytest.raises(ValueError, match="GC_THRESHOLDS"):
        tuning(GC_THRESHOLDS="many")
