"""Middlewares that keep the crawl on the portal and carry it through faults and traps.

Where they go (``DOWNLOADER_MIDDLEWARES`` / ``SPIDER_MIDDLEWARES`` in
``crawler/settings.py``; see each class docstring for why there)::

    "crawler.middlewares.ContainmentMiddleware": 40,
    "crawler.middlewares.HtmlSniffMiddleware": 585,
    "crawler.middlewares.RetryingHttpCompressionMiddleware": 590,  # in place of Scrapy's
    "crawler.middlewares.RedirectLoopMiddleware": 610,
    "crawler.middlewares.TrapGuardMiddleware": 850,  # spider middleware
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy import resolver as scrapy_resolver
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.misc import load_object
from twisted.web.client import URI
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom
from w3lib.url import safe_url_string

from crawler.portal import PageKind, Portal

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

    #: host name -> the IP addresses it resolves to; raises ``OSError`` when it does not resolve.
    Resolver = Callable[[str], Iterable[str]]

logger = logging.getLogger(__name__)

_WEB_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = frozenset({None, 80, 443})
# Refused and cut URLs kept in the stats for the run report, at most.
MAX_URLS_KEPT = 100


def _keep_url(stats: StatsCollector, key: str, url: str) -> None:
    """Append ``url`` to the list in stats ``key`` (at most ``MAX_URLS_KEPT``)."""
    urls = stats.get_value(key) or []
    if len(urls) < MAX_URLS_KEPT and url not in urls:
        stats.set_value(key, [*urls, url])


# -- containment ------------------------------------------------------------------------


def system_resolve(host: str) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6).

    Blocking: :class:`ContainmentMiddleware` calls it in a thread.
    """
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` denotes when it is an IP literal, in any form a resolver accepts.

    Besides dotted quads and IPv6 (with or without a zone), C's ``inet_aton``
    accepts ``127.1``, ``2130706433`` and ``0x7f.0.0.1``: those are addresses too.

    >>> str(ip_literal("2130706433")), str(ip_literal("::ffff:10.0.0.1")), ip_literal("zjol.com.cn")
    ('127.0.0.1', '::ffff:a00:1', None)
    """
    if ":" in host:  # only an IPv6 literal has a colon in a host name
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return ipaddress.IPv6Address("::")  # unparsable: treat as the worst case
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError, UnicodeError):
        return None


def address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``address`` must not be crawled (``loopback``, ``private``, …), or ``None`` for a public one.

    IPv6 addresses that embed an IPv4 one (mapped, 6to4, Teredo) are judged by it.

    >>> [address_problem(ipaddress.ip_address(a)) for a in ("127.0.0.2", "::1", "169.254.169.254", "8.8.8.8")]
    ['loopback', 'loopback', 'link_local', None]
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None:
            return address_problem(embedded)
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "reserved"
    return None


def _resolved_problem(address: str) -> str | None:
    try:
        return address_problem(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return "reserved"  # not an address: never connect to it


#: Stats of ContainmentMiddleware: refused requests, and ``<this>/<reason>`` by reason.
REFUSED_STAT = "containment/refused"
#: The reasons of answers refused for their peer address, before the address's kind
#: (``answered_from_private``): the health verdict reads them.
ANSWERED_FROM = "answered_from_"


class ContainmentMiddleware:
    """Refuse, before it is downloaded, every request that could leave the portal.

    A request goes out only when all of these hold, else ``IgnoreRequest`` is
    raised and counted as ``containment/refused/<reason>``:

    - its scheme is http or https (``scheme``);
    - its URL parses the same for Python and for Twisted, which makes the
      connection, and carries no ``user@`` part (``malformed``, ``userinfo``);
    - its host is not an IP literal, in any notation (``ip_literal``);
    - its host is ``SITE_HOST`` exactly, not a subdomain (``offsite``), on a
      default port (``port``);
    - unless ``CONTAINMENT_ALLOW_PRIVATE`` is on: its host resolves, and to
      public addresses only (``unresolvable``, ``loopback``, ``private``,
      ``link_local``, ``multicast``, ``unspecified``, ``reserved``).  The name
      is resolved once per run, in a thread, with ``CONTAINMENT_RESOLVER``
      (empty: the system resolver).

    ``dont_filter`` and ``allow_offsite`` do not exempt a request (they
    exempt it from Scrapy's ``OffsiteMiddleware``, which retries and
    redirects set).  Order 40: first of all downloader middlewares, so a
    refused request reaches none of them (not even ``RobotsTxtMiddleware``,
    which would fetch the host's robots.txt); redirects and meta refreshes
    are new requests and pass here again.  A proxy (``http_proxy``,
    ``meta["proxy"]``) is configuration, not page input: the proxy's own
    address is not checked, the target's is.  The address checked is the one
    the downloader connects to (``_pin``: no second DNS answer in between).

    Settings: ``CONTAINMENT_ENABLED``, ``CONTAINMENT_ALLOW_PRIVATE``,
    ``CONTAINMENT_RESOLVER``, ``SITE_HOST``.
    """

    def __init__(
        self,
        host: str,
        crawler: Crawler,
        *,
        allow_private: bool = False,
        resolver: Resolver = system_resolve,
    ) -> None:
        self.host = host.lower()
        self.crawler = crawler
        self.allow_private = allow_private
        self.resolver = resolver
        # host -> refusal reason ("" when its addresses are public); successes only.
        self._verdicts: dict[str, str] = {}
        self._logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("CONTAINMENT_ENABLED"):
            raise NotConfigured  # without a message: Scrapy would log "Disabled" at WARNING level
        resolver_path = settings.get("CONTAINMENT_RESOLVER")
        return cls(
            settings.get("SITE_HOST"),
            crawler,
            allow_private=settings.getbool("CONTAINMENT_ALLOW_PRIVATE"),
            resolver=load_object(resolver_path) if resolver_path else system_resolve,
        )

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def url_problem(self, url: str) -> str | None:
        """Why ``url`` must not be requested, judged from the URL alone; ``None`` if it may."""
        try:
            parts = urlsplit(url)
            port = parts.port
            host = parts.hostname or ""
        except ValueError:
            return "malformed"
        if parts.scheme.lower() not in _WEB_SCHEMES:
            return "scheme"
        if not host:
            return "malformed"
        if "@" in parts.netloc:
            return "userinfo"
        try:
            twisted_host = URI.fromBytes(url.split("#", 1)[0].encode("ascii")).host.decode("ascii")
        except (ValueError, UnicodeError):
            return "malformed"
        if twisted_host.lower() != host:
            return "malformed"
        literal = ip_literal(host)
        if literal is not None and not (self.allow_private and host == self.host):
            return "ip_literal"
        if host != self.host:
            return "offsite"
        if port not in _DEFAULT_PORTS:
            return "port"
        return None

    async def process_request(self, request: Request) -> None:
        reason = self.url_problem(request.url)
        if reason is None and not self.allow_private:
            reason = await self._address_problem(urlsplit(request.url).hostname or "")
        if reason is not None:
            self._refuse(request, reason)

    def process_response(self, request: Request, response: Response) -> Response:
        """Drop an answer that came from a refused address after all.

        The check above is made on the DNS's answer before the download; the
        downloader connects on its own (a second answer, or a download handler
        that resolves names itself, such as aiohttp's). Scrapy records the peer
        address of every download in ``response.ip_address``: an answer straight
        from a loopback, private or reserved address is refused here, before the
        spider reads it (through a proxy, the address is the proxy's, which is
        configuration: kept).  Order 40 puts this last among the downloader
        middlewares' ``process_response``: a WARC being recorded (950) has kept
        the answer as received, which is what happened.
        """
        if self.allow_private or response.ip_address is None or request.meta.get("proxy"):
            return response
        problem = address_problem(response.ip_address)
        if problem is not None:
            self._refuse(request, ANSWERED_FROM + problem)
        return response

    async def _address_problem(self, host: str) -> str | None:
        verdict = self._verdicts.get(host)
        if verdict is None:
            try:
                addresses = await run_in_thread(lambda: list(self.resolver(host)))
            except OSError as exc:
                # Not cached: the next request asks the resolver again.
                self._log_once(
                    f"unresolvable:{host}", "Cannot resolve %s (%s): refusing its requests", host, exc
                )
                return "unresolvable"
            problems = [
                (address, problem) for address in addresses if (problem := _resolved_problem(address))
            ]
            if not addresses:
                verdict = "unresolvable"
            elif problems:
                verdict = problems[0][1]
                logger.error(
                    "%s resolves to %s (%s): refusing every request to it (CONTAINMENT_ALLOW_PRIVATE is off)",
                    host,
                    problems[0][0],
                    verdict,
                )
            else:
                verdict = ""
                self._pin(host, addresses)
            self._verdicts[host] = verdict
        return verdict or None

    def _pin(self, host: str, addresses: list[str]) -> None:
        """Make Scrapy connect to an address checked here, not to a second answer of the DNS.

        The downloader resolves the name again with ``DNS_RESOLVER``: a name
        whose DNS answers a public address to this check and a private one a
        moment later (DNS rebinding) would be connected to the private one.
        Scrapy's default resolver (``CachingThreadedResolver``, IPv4) answers
        from ``scrapy.resolver.dnscache`` first, whether ``DNSCACHE_ENABLED``
        or not, and never expires an entry: the first checked IPv4 address is
        put there.  Another ``DNS_RESOLVER`` does not read it (README).
        """
        ipv4 = next((address for address in addresses if ":" not in address), None)
        if ipv4 is not None:
            scrapy_resolver.dnscache[host] = ipv4

    def _refuse(self, request: Request, reason: str) -> NoReturn:
        self.stats.inc_value(REFUSED_STAT)
        self.stats.inc_value(f"{REFUSED_STAT}/{reason}")
        _keep_url(self.stats, "containment/refused_urls", request.url)
        self._log_once(
            reason,
            "Refused %s (%s) - no more refusals for this reason will be shown",
            request.url,
            reason,
        )
        raise IgnoreRequest(f"Refused by containment ({reason}): {request.url}")

    def _log_once(self, key: str, message: str, *args: Any) -> None:
        if key not in self._logged:
            self._logged.add(key)
            logger.warning(message, *args)


# -- faults that retrying cures ----------------------------------------------------------


class RetryingHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's ``HttpCompressionMiddleware``, retrying a body that inflates past ``DOWNLOAD_MAXSIZE``.

    Scrapy drops such a response (``IgnoreRequest``), which is never retried:
    one broken answer would lose the page for the run.  Here it is retried
    like a 503 (reason ``decompressed_size_exceeded``, ``RETRY_TIMES``) and
    dropped only when the retries are spent.  Replaces Scrapy's at 590.
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            assert self.crawler.spider is not None
            retry = get_retry_request(
                request, spider=self.crawler.spider, reason="decompressed_size_exceeded"
            )
            if retry is None:
                raise
            logger.debug("Retrying %s: %s", request.url, exc)
            return retry

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.crawler = crawler
        return middleware


class RedirectLoopMiddleware:
    """Retry a request whose redirects come back to where they started.

    A server that answers ``A -> 302 A`` (or ``A -> B -> A``) for a while
    would otherwise lose ``A`` for the run: ``RedirectMiddleware`` follows the
    loop and the scheduler drops the repeated URL as a duplicate.  A redirect
    whose target has the fingerprint of the request or of an earlier URL of
    its redirect chain is a loop: the chain's first URL is retried (reason
    ``redirect_loop``, ``RETRY_TIMES``), and given up with ``IgnoreRequest``
    when the retries are spent.  Stats: ``redirect_loop/detected``.

    Order 610: just above ``RedirectMiddleware`` (600), so that it sees the
    3xx first.  Off with ``REDIRECT_ENABLED`` or ``RETRY_ENABLED`` off.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not (crawler.settings.getbool("REDIRECT_ENABLED") and crawler.settings.getbool("RETRY_ENABLED")):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        location = response.headers.get("Location")
        if (
            response.status not in (301, 302, 303, 307, 308)
            or not location
            or request.meta.get("dont_redirect")
            # Answers the spider takes itself, as RedirectMiddleware leaves them.
            or response.status in getattr(self.crawler.spider, "handle_httpstatus_list", ())
            or response.status in request.meta.get("handle_httpstatus_list", ())
            or request.meta.get("handle_httpstatus_all")
        ):
            return response
        try:
            target = Request(urljoin(request.url, safe_url_string(location)))
        except ValueError:
            return response
        fingerprint = self.crawler.request_fingerprinter.fingerprint
        chain = [*request.meta.get("redirect_urls", []), request.url]
        seen = {fingerprint(Request(url)) for url in chain}
        if fingerprint(target) not in seen:
            return response
        assert self.crawler.stats is not None
        assert self.crawler.spider is not None
        self.crawler.stats.inc_value("redirect_loop/detected")
        first = request.replace(url=chain[0])
        for key in ("redirect_urls", "redirect_reasons", "redirect_times", "redirect_ttl"):
            first.meta.pop(key, None)
        retry = get_retry_request(first, spider=self.crawler.spider, reason="redirect_loop")
        if retry is None:
            raise IgnoreRequest(f"Redirect loop: {' -> '.join([*chain, target.url])}")
        return retry


# A comment ends at its first "-->" ((?:[^-]|-(?!->))*, not .*?): a lazy match that
# could run on to a later "-->" made the regex exponential on "<!---->" * n.
_HTML_START_RE = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--(?:[^-]|-(?!->))*-->\s*)*"
    rb"<(?:!doctype\s+html|html|head|meta|title|body)[\s>/]",
    re.IGNORECASE,
)


def looks_like_html(body: bytes) -> bool:
    """Whether ``body`` begins as an HTML document (after a BOM, an XML prolog, comments).

    >>> looks_like_html(b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">'), looks_like_html(b"<rss>")
    (True, False)
    """
    return bool(_HTML_START_RE.match(body[:4096]))


def body_encoding_against_header(content_type: str | None, body: bytes) -> str | None:
    """The encoding of the page's ``<meta>`` when the ``Content-Type`` charset cannot
    have written ``body`` and the ``<meta>`` one can; None when the header may be right.

    HTTP's charset comes first (Scrapy and browsers read it before the page's
    own), so it is overruled only on evidence: the body is not valid in it and
    is valid in the ``<meta>`` encoding (GBK bytes served as ``charset=utf-8``).
    A BOM, or a body valid in both, keeps the header.

    >>> gbk_page = '<meta charset="gb2312"><p>秀洲喆</p>'.encode("gbk")
    >>> body_encoding_against_header("text/html; charset=utf-8", gbk_page)
    'gb18030'
    >>> body_encoding_against_header("text/html", gbk_page) is None
    True
    """
    header = http_content_type_encoding(content_type) if content_type else None
    if header is None or read_bom(body)[0] is not None:
        return None
    declared = html_body_declared_encoding(body)  # resolved: gb2312 is read as gb18030
    if declared is None or declared == header or _decodes(body, header) or not _decodes(body, declared):
        return None
    return declared


def _decodes(body: bytes, encoding: str) -> bool:
    """Whether ``body`` is valid in ``encoding`` (False for an encoding Python does not know)."""
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


class HtmlSniffMiddleware:
    """Read a response as HTML when its body is an HTML document, whatever its Content-Type says.

    Scrapy picks the response class from ``Content-Type`` first: a portal
    page answered as ``text/xml`` becomes an ``XmlResponse``, parsed by the
    XML parser, and its record loses fields.  A response that is not an
    ``HtmlResponse`` but starts like an HTML document (``<!DOCTYPE html``,
    ``<html``, ``<head>`` …) is replaced by one, with the same headers, so
    that the encoding is still read from the page's ``<meta>``.  Stats:
    ``htmlsniff/retyped``.

    Likewise its charset: a page whose ``Content-Type`` names a charset its
    bytes are not valid in, and whose ``<meta>`` names one they are valid in
    (``body_encoding_against_header``), is read in the ``<meta>`` one, its
    headers (and what a WARC records) unchanged.  Stats:
    ``htmlsniff/charset_overruled``.

    Order 585: below ``HttpCompressionMiddleware`` (590), so it sees the
    decoded body, and above ``MetaRefreshMiddleware`` (580), which reads
    only HTML responses.  Off with ``HTMLSNIFF_ENABLED``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("HTMLSNIFF_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        assert self.crawler.stats is not None
        if not isinstance(response, HtmlResponse):
            if not looks_like_html(response.body):
                return response
            self.crawler.stats.inc_value("htmlsniff/retyped")
            logger.debug(
                "Reading %s as HTML although its Content-Type is %r",
                response.url,
                response.headers.get("Content-Type"),
            )
            response = response.replace(cls=HtmlResponse, encoding=None)
        content_type = response.headers.get("Content-Type")
        if content_type and b"charset" in content_type.lower():
            encoding = body_encoding_against_header(content_type.decode("latin-1"), response.body)
            if encoding is not None:
                # Said once (a portal that lies does so on every page); counted always.
                first = not self.crawler.stats.get_value("htmlsniff/charset_overruled")
                self.crawler.stats.inc_value("htmlsniff/charset_overruled")
                logger.log(
                    logging.WARNING if first else logging.DEBUG,
                    "Reading %s as %s (its <meta>): its bytes are not %r%s",
                    response.url,
                    encoding,
                    content_type.decode("latin-1"),
                    "; the next pages like it are counted in htmlsniff/charset_overruled" if first else "",
                )
                return response.replace(encoding=encoding)
        return response


# -- traps ------------------------------------------------------------------------------


class TrapGuardMiddleware(BaseSpiderMiddleware):
    """Bound the URLs a page can generate: query-string growth and endless chains of sections.

    Two traps the portal's address scheme lets through (the pagination walk
    and multi-page articles have their own bounds, ``LISTING_MAX_PAGES`` and
    ``ARTICLE_MAX_PAGES``, in the spider):

    - a page linking to itself with a growing query string: every URL is
      new, with one path.  At most ``TRAPS_MAX_QUERY_VARIANTS`` URLs with a
      query are followed per path, besides the path's URL without one (the
      portal's ENP pages are static files: a query changes nothing).  Stats
      ``traps/query_variants_cut``;
    - a calendar-like chain of generated folders (``…/2010/12/29/`` linking
      ``…/2010/12/30/``): every folder under ``SITE_ROOT_PATH`` reads as a
      section listing.  Each request carries its *section depth*, the number
      of steps from the home page to a new section (the pagination walk and
      articles keep their page's depth); sections deeper than
      ``TRAPS_MAX_SECTION_DEPTH`` are not followed.  Stats
      ``traps/section_depth_cut``, and ``traps/section_depth_max`` (the
      deepest followed: how close a run came to the bound).

    Cut URLs are kept (the first ``MAX_URLS_KEPT``) in ``traps/cut_urls`` for
    the run report.  Settings: ``TRAPS_ENABLED``, ``TRAPS_MAX_QUERY_VARIANTS``,
    ``TRAPS_MAX_SECTION_DEPTH``.
    """

    def __init__(
        self, crawler: Crawler, portal: Portal, max_query_variants: int, max_section_depth: int
    ) -> None:
        super().__init__(crawler)
        self.portal = portal
        self.max_query_variants = max_query_variants
        self.max_section_depth = max_section_depth
        self._variants: dict[str, set[str]] = {}
        self._logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("TRAPS_ENABLED"):
            raise NotConfigured
        return cls(
            crawler,
            Portal.from_settings(settings),
            settings.getint("TRAPS_MAX_QUERY_VARIANTS"),
            settings.getint("TRAPS_MAX_SECTION_DEPTH"),
        )

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None:  # start requests
            request.meta.setdefault("section_depth", 0)
            return request
        depth = self._section_depth(request, response)
        request.meta["section_depth"] = depth
        if self.max_section_depth and depth > self.max_section_depth:
            self._cut(request, "section_depth_cut", f"TRAPS_MAX_SECTION_DEPTH={self.max_section_depth}")
            return None
        if self.max_query_variants and not self._admit_variant(request.url):
            self._cut(request, "query_variants_cut", f"TRAPS_MAX_QUERY_VARIANTS={self.max_query_variants}")
            return None
        assert self.crawler.stats is not None
        self.crawler.stats.max_value("traps/section_depth_max", depth)
        return request

    def _section_depth(self, request: Request, response: Response) -> int:
        depth = int(response.meta.get("section_depth", 0))
        if not self.portal.is_on_portal(request.url):
            return depth
        kind = self.portal.kind(request.url)
        if kind not in (PageKind.LISTING, PageKind.HOME):
            return depth  # articles and their parts stay at their page's depth
        here = self.portal.canonical(response.url)
        if self.portal.kind(here) is PageKind.LISTING and self.portal.listing_section(
            here
        ) == self.portal.listing_section(self.portal.canonical(request.url)):
            return depth  # the pagination walk of this section
        return depth + 1

    def _admit_variant(self, url: str) -> bool:
        # Only URLs with a query are counted: remembering every path the crawl
        # meets would grow with the portal, and a path's URL without a query
        # cannot be one of a growing chain.
        if "?" not in url:
            return True
        parts = urlsplit(url)
        if not parts.query:
            return True
        path = f"{parts.scheme}://{parts.netloc}{parts.path}"
        variants = self._variants.setdefault(path, set())
        if url in variants:
            return True
        if len(variants) >= self.max_query_variants:
            return False
        variants.add(url)
        return True

    def _cut(self, request: Request, stat: str, limit: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"traps/{stat}")
        _keep_url(self.crawler.stats, "traps/cut_urls", request.url)
        if stat not in self._logged:
            self._logged.add(stat)
            logger.warning(
                "Trap bound reached (%s), not following %s - no more will be shown", limit, request.url
            )
