"""scrapy-redis's shared seen-set, fingerprinting canonical URLs.

scrapy-redis's ``RFPDupeFilter`` computes its own fingerprint (method,
``canonicalize_url(url)``, body) and ignores ``REQUEST_FINGERPRINTER_CLASS``,
so ``http://JXXZNEWS.zjol.com.cn/…?from=timeline#x`` and the plain URL would
be two requests across workers.  This one uses the project's canonical
fingerprint (``crawler.fingerprint``), the one the single-process crawl uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.fingerprint import canonical_fingerprint

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Self

    from scrapy import Request, Spider


class CanonicalRedisDupeFilter(RFPDupeFilter):
    """Redis seen-set of canonical request fingerprints (hex SHA1).

    Settings: ``CANONICAL_TRACKING_PARAMS`` (query parameters removed before
    fingerprinting), and scrapy-redis's ``REDIS_URL``, ``DUPEFILTER_DEBUG``.
    The key is set by ``RedisWorkerScheduler`` (``<DISTRIBUTED_KEY_PREFIX>:dupefilter``).
    """

    def __init__(self, server: Any, key: str, debug: bool = False, tracking_params: Sequence[str] = ()):
        super().__init__(server, key, debug)
        self.tracking_params = tuple(tracking_params)

    @classmethod
    def from_spider(cls, spider: Spider) -> Self:
        base = super().from_spider(spider)
        return cls(
            base.server,
            base.key,
            base.debug,
            tracking_params=spider.settings.getlist("CANONICAL_TRACKING_PARAMS"),
        )

    def request_fingerprint(self, request: Request) -> str:
        return canonical_fingerprint(
            request.method, request.url, request.body or b"", self.tracking_params
        ).hex()
