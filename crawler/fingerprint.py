"""Request fingerprints over the canonical URL.

The portal links one article as ``http://JXXZNEWS.zjol.com.cn/…#x`` or with a
``?from=timeline`` tracking query; those are one page, so they must be one
request for Scrapy's dupefilter, ``JOBDIR`` and HTTP cache alike.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from w3lib.url import canonicalize_url

from crawler.normalize import canonical_url

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler


def canonical_fingerprint(method: str, url: str, body: bytes, tracking_params: Sequence[str] = ()) -> bytes:
    """Return the SHA1 fingerprint of a request over its canonical URL."""
    data = {
        "method": method.upper(),
        "url": canonicalize_url(canonical_url(url, tracking_params)),
        "body": hashlib.sha1(body).hexdigest(),
    }
    return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).digest()


class CanonicalRequestFingerprinter:
    """Scrapy request fingerprinter that ignores host case, fragments and
    the tracking parameters listed in ``CANONICAL_TRACKING_PARAMS``."""

    def __init__(self, tracking_params: Sequence[str] = ()) -> None:
        self.tracking_params = tuple(tracking_params)
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getlist("CANONICAL_TRACKING_PARAMS"))

    def fingerprint(self, request: Request) -> bytes:
        if request not in self._cache:
            self._cache[request] = canonical_fingerprint(
                request.method, request.url, request.body, self.tracking_params
            )
        return self._cache[request]
