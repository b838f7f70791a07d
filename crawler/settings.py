"""Settings of the crawler: every default of the project lives here.

Scrapy's own settings come first, then the project's groups.  Within a
group the enabling flag comes first, the rest in alphabetical order (the
rule of ``scrapy/settings/default_settings.py``).  Components read these
with typed getters and never carry a second default of their own.

Replay runs (``REPLAY_ARCHIVE`` set) drop the live-run manners (delays,
AutoThrottle, robots.txt) in ``XiuzhouSpider.update_settings``; a value
given with ``-s`` always wins.
"""

from crawler import user_agent

BOT_NAME = "xiuzhou"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- Live-run manners -------------------------------------------------------
CRAWLER_CONTACT = "archive-crawler@example.org"
# The spider names CRAWLER_CONTACT here when it is set and USER_AGENT is not.
USER_AGENT = user_agent(CRAWLER_CONTACT)
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Scrapy 2.19 starts this many asyncio tasks per response to run the callback's output
# through the pipelines (default 100); ours are synchronous, so more tasks only cost CPU:
# 8 took the crawl from 6.1 to 5.0 ms CPU a page (bench row b, 1,000 articles; 16: 5.4).
# What is written does not depend on the order items are processed in (JsonLinesWriterPipeline).
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
# Scrapy's list plus DownloadCancelledError: a response larger than
# DOWNLOAD_MAXSIZE is cancelled with it, and a server that answers one broken
# oversized response must not lose the page for the run (tests/test_faults_network.py).
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.CannotResolveHostError",
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "scrapy.exceptions.DownloadCancelledError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    OSError,
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# With RETRY_TIMES = 3 a page is given up after 4 failed attempts.
RETRY_TIMES = 3
# A body cut short of its Content-Length is an error (retried), never a
# truncated page parsed into a truncated record.
DOWNLOAD_FAIL_ON_DATALOSS = True
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
# Scrapy re-reads a generator callback's source for this check on every request
# (its cache is keyed by the bound method, which dies with the request): 4 % of a
# crawl's CPU time, and it read a half-written file when the source was being
# edited during a crawl.  ruff and the tests check our callbacks instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# --- Requests: canonical URLs and fingerprints --------------------------------
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.CanonicalRequestFingerprinter"

# --- The portal ----------------------------------------------------------------
# Everything assumed about the portal's addresses is here (see README,
# "What is assumed about the portal").
SITE_HOST = "jxxznews.zjol.com.cn"
SITE_START_URL = "http://jxxznews.zjol.com.cn/"
SITE_ROOT_PATH = "/xznews/"
# Query parameters that only track where a reader came from; removed from
# every URL before it is requested, compared or written.
CANONICAL_TRACKING_PARAMS = [
    "from",
    "spm",
    "utm_*",
    "share",
    "isappinstalled",
    "tt_from",
    "_t",
]

# --- Crawling -------------------------------------------------------------------
# A section's pagination is followed to its end, but never past this many
# listing pages (index.shtml counts as the first): a pager trap stops here.
LISTING_MAX_PAGES = 300
# A multi-page article is read to its last page, never past this many pages.
ARTICLE_MAX_PAGES = 50

# --- Containment: requests never leave the portal (crawler.middlewares) ------------
CONTAINMENT_ENABLED = True
# Live crawls refuse IP-literal hosts and names that resolve to loopback,
# private, link-local or reserved addresses.  Tests and replay turn it on.
CONTAINMENT_ALLOW_PRIVATE = False
# Dotted path of a callable host -> IP addresses (raising OSError when the
# name does not resolve); empty: the system resolver, called in a thread.
CONTAINMENT_RESOLVER = ""

# --- Faults: answers that a second look cures (crawler.middlewares) -----------------
# Read a response as HTML when its body is an HTML document, whatever its
# Content-Type says (a page answered as text/xml would lose fields).  Retries of
# faults are Scrapy's RETRY_* settings above; see also RetryingHttpCompressionMiddleware
# and RedirectLoopMiddleware in DOWNLOADER_MIDDLEWARES.
HTMLSNIFF_ENABLED = True

# --- Traps: bounds on generated URLs (crawler.middlewares.TrapGuardMiddleware) -----
# LISTING_MAX_PAGES and ARTICLE_MAX_PAGES (above) bound pagers; these bound the rest.
TRAPS_ENABLED = True
# At most this many URLs with a query string per path (the path's URL without one
# is not counted): a page linking to itself with a growing query stops here (ENP
# pages are static files).
TRAPS_MAX_QUERY_VARIANTS = 5
# At most this many steps from the home page to a new section (a folder under
# SITE_ROOT_PATH); the real portal nests 4 deep (专题 > 专题2010 > 画乡先锋 > 先锋视点),
# a calendar-like chain of generated folders stops here.
TRAPS_MAX_SECTION_DEPTH = 10

# --- Output ---------------------------------------------------------------------
ARTICLES_OUTPUT = "output/articles.jsonl"
# fsync the output after this many appended records (and always at the end).
ARTICLES_FSYNC_EVERY = 50

# --- Deduplication and incremental runs ------------------------------------------
DEDUP_ENABLED = True
INCREMENTAL = True
# A section's pagination walk stops after this many consecutive listing
# pages that linked no article unknown to earlier runs (0: never stop early).
INCREMENTAL_KNOWN_LISTING_PAGES = 2

# --- WARC: replay and recording ----------------------------------------------------
# One or more .warc / .warc.gz files (comma separated): answer every request
# from them and open no network connection.
REPLAY_ARCHIVE = ""
# Record every downloaded response into this gzip WARC file.
WARC_OUTPUT = ""
# zlib level (1-9) of WARC_OUTPUT's gzip members.  Measured on 400 article
# pages of 13 KB (recorder CPU ms a page, file bytes a page):
#   level 1: 0.213 ms, 5960 B (+5.0 %)    level 5: 0.254 ms, 5702 B (+0.4 %)
#   level 3: 0.215 ms, 5870 B (+3.4 %)    level 6: 0.258 ms, 5690 B (+0.2 %)
#   level 4: 0.246 ms, 5762 B (+1.5 %)    level 9: 0.267 ms, 5679 B
# 9 stays the default: 6 or 5 would save 3-5 % of the recorder's CPU, and the
# archive keeps its size for as long as it is kept.  A CPU-bound crawl that
# records can take 3: a fifth less recorder CPU for 3.4 % larger files.
WARC_COMPRESSION_LEVEL = 9
# Build, compress and write WARC_OUTPUT's records in a child process
# (crawler.warc.writer), on another core: zlib at level 9 is ~0.2 ms of CPU a
# 13 KB page, which made a recording crawl 10-14 % slower than one without, and
# the records' SHA-1 digests most of the recorder's remaining 0.18 ms.  The same
# bytes either way.
WARC_WRITER_PROCESS = True

# --- Scheduled runs: lock, health, reports, progress -------------------------------
CRAWL_LOCK_ENABLED = True
# Exit non-zero when more than this share of article pages fails extraction or
# validation (the portal changed its template).
HEALTH_MAX_FAILED_ARTICLE_SHARE = 0.2
# Warn when a field's coverage falls by more than this (absolute share) below the
# average of the previous runs' reports.
HEALTH_COVERAGE_DROP_WARN = 0.3
# Compare field coverage only between runs that wrote at least this many new
# records: on a small incremental run one record moves a share by a lot.
HEALTH_COVERAGE_MIN_RECORDS = 20
REPORTS_ENABLED = True
# Compare a run's report with the reports of this many earlier runs.
REPORTS_COMPARE_RUNS = 5
# Seconds between progress lines in the log (0: none).
PROGRESS_INTERVAL = 60.0
# The lock is built first so that a refused crawl touches nothing; HealthCheck
# before RunReport.  Progress replaces Scrapy's LogStats line.
EXTENSIONS = {
    "crawler.extensions.lock.CrawlLock": -1000,
    "crawler.extensions.gctuning.GcTuning": 0,
    "crawler.extensions.health.HealthCheck": 500,
    "crawler.extensions.report.RunReport": 510,
    "crawler.extensions.progress.Progress": 520,
    "scrapy.extensions.logstats.LogStats": None,
}

# --- Python's garbage collector (crawler.extensions.gctuning) ----------------------
# A crawl makes almost no reference cycles, and with Python's default thresholds
# the collector cost 7 % of a crawl's CPU time, a share growing with the portal.
GC_TUNING_ENABLED = True
# Freeze the objects of start-up when the spider opens: never walked again.
GC_FREEZE_AT_START = True
# gc.set_threshold() for the crawl (Python's default: 700, 10, 10).  Measured on a
# 6,245-page crawl with the freeze: 700 -> 1.68 s in the collector, 10,000 -> 0.20 s,
# 50,000 -> 0.13 s, peak RSS the same (110 MB).
GC_THRESHOLDS = [10000, 10, 10]

# --- Distributed crawling (scrapy-redis) --------------------------------------------
# Set to a redis:// URL to make this process one worker of a shared crawl
# (see docs/distributed.md; needs the extra: pip install .[redis]).
REDIS_URL = ""
# A worker whose heartbeat is older than this many seconds is dead: any other
# worker puts the requests it held back into the queue.
DISTRIBUTED_HEARTBEAT_TTL = 30.0
# Every Redis key of the crawl starts with this (one prefix per crawl).
DISTRIBUTED_KEY_PREFIX = "xiuzhou"
# Seconds between an idle worker's looks at the shared queue.
DISTRIBUTED_POLL_INTERVAL = 0.5
# Requests a worker takes from the shared queue at once (one round trip;
# held in Redis as in flight, so none is lost if the worker dies).
DISTRIBUTED_PREFETCH = 8
# Names this worker's shard and Redis keys; empty: <host>-<pid>.
DISTRIBUTED_WORKER_ID = ""
# Workers close once no request was queued or held by any worker for this
# many seconds (scrapy-redis's name; its default, 0, would wait forever).
MAX_IDLE_TIME_BEFORE_CLOSE = 10

DOWNLOADER_MIDDLEWARES = {
    # First of all: a refused request reaches no other middleware (robots.txt included).
    "crawler.middlewares.ContainmentMiddleware": 40,
    # What these do is done by ContainmentMiddleware (off-site requests), or not
    # needed for a public portal (HTTP auth); each middleware costs every request.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    # Scrapy's, but a body inflating past DOWNLOAD_MAXSIZE is retried, not dropped.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.RetryingHttpCompressionMiddleware": 590,
    # Below decompression, above MetaRefreshMiddleware (580): HTML bodies read as HTML.
    "crawler.middlewares.HtmlSniffMiddleware": 585,
    # Sees a 3xx before RedirectMiddleware (600): a redirect loop is retried.
    "crawler.middlewares.RedirectLoopMiddleware": 610,
    # On the downloader side of every built-in middleware (HttpCache is 900):
    # the recorder sees raw bodies before decompression, and replayed responses
    # still pass through redirect, retry and decompression like downloaded ones.
    "crawler.warc.middlewares.WarcRecorderMiddleware": 950,
    "crawler.warc.middlewares.ReplayMiddleware": 960,
}

SPIDER_MIDDLEWARES = {
    "crawler.middlewares.TrapGuardMiddleware": 850,
    # Every request and record passes every spider middleware: these two only
    # count link depth (TrapGuardMiddleware bounds the depth that matters, by
    # section) and warn about copied meta (the spider copies none).
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.dedup.DedupPipeline": 200,
    "crawler.pipelines.jsonl.JsonLinesWriterPipeline": 900,
}

LOG_LEVEL = "INFO"
# Scrapy's MemoryStatsCollector without 2.19's per-access deprecation shim
# (crawler/stats.py): about eighteen stats calls a page, 1.6 us each with it.
STATS_CLASS = "crawler.stats.CrawlStatsCollector"
# Skips building the two DEBUG records a page ("Crawled", "Scraped") that
# LOG_LEVEL hides; shown as usual at LOG_LEVEL = "DEBUG".
LOG_FORMATTER = "crawler.logformatter.PortalLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"
