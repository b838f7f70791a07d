"""CanonicalRedisDupeFilter: URL variants are one request in the shared seen-set."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.distributed.dupefilter import CanonicalRedisDupeFilter
from crawler.fingerprint import CanonicalRequestFingerprinter
from crawler.settings import CANONICAL_TRACKING_PARAMS
from tests.servers.redis_server import redis_server  # noqa: F401 (fixture)

URL = "http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml"
VARIANTS = [
    "http://JXXZNEWS.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml",
    f"{URL}#comments",
    f"{URL}?from=timeline",
    f"{URL}?utm_source=wechat&spm=a.b",
]


@pytest.fixture
def dupefilter(redis_server, request):  # noqa: F811
    return CanonicalRedisDupeFilter(
        redis_server.client(),
        key=f"{request.node.name}:dupefilter",
        tracking_params=CANONICAL_TRACKING_PARAMS,
    )


def test_url_variants_have_one_fingerprint(dupefilter):
    fingerprints = {dupefilter.request_fingerprint(Request(url)) for url in [URL, *VARIANTS]}
    assert len(fingerprints) == 1
    # The fingerprint of the single-process crawl (REQUEST_FINGERPRINTER_CLASS).
    assert fingerprints == {
        CanonicalRequestFingerprinter(CANONICAL_TRACKING_PARAMS).fingerprint(Request(URL)).hex()
    }


def test_scrapy_redis_alone_would_fetch_the_variants_again(redis_server):  # noqa: F811
    plain = RFPDupeFilter(redis_server.client(), key="plain")
    assert plain.request_fingerprint(Request(f"{URL}?from=timeline")) != plain.request_fingerprint(
        Request(URL)
    )


def test_a_variant_is_seen_once_the_url_was(dupefilter):
    assert not dupefilter.request_seen(Request(URL))
    for url in VARIANTS:
        assert dupefilter.request_seen(Request(url)), url
    assert not dupefilter.request_seen(Request(URL.replace("013095123", "013095124")))
    assert not dupefilter.request_seen(Request(URL, method="POST", body=b"x"))
