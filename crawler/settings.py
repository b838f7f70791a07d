"""Settings of the crawler: every default of the project lives here.

Scrapy's own settings come first, then the project's groups.  Within a
group the enabling flag comes first, the rest in alphabetical order (the
rule of ``scrapy/settings/default_settings.py``).  Components read these
with typed getters and never carry a second default of their own.

Replay runs (``REPLAY_ARCHIVE`` set) drop the live-run manners (delays,
AutoThrottle, robots.txt) in ``XiuzhouSpider.update_settings``; a value
given with ``-s`` always wins.
"""

BOT_NAME = "xiuzhou"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- Live-run manners -------------------------------------------------------
CRAWLER_CONTACT = "archive-crawler@example.org"
USER_AGENT = f"xiuzhou-archive-crawler/0.1 (+mailto:{CRAWLER_CONTACT})"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# --- Requests: canonical URLs and fingerprints --------------------------------
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.CanonicalRequestFingerprinter"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

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
# Live crawls refuse IP-literal hosts and names that resolve to loopback,
# private, link-local or reserved addresses.  Tests and replay turn it on.
CONTAINMENT_ALLOW_PRIVATE = False

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
    "crawler.extensions.health.HealthCheck": 500,
    "crawler.extensions.report.RunReport": 510,
    "crawler.extensions.progress.Progress": 520,
    "scrapy.extensions.logstats.LogStats": None,
}

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
# Names this worker's shard and Redis keys; empty: <host>-<pid>.
DISTRIBUTED_WORKER_ID = ""
# Workers close once no request was queued or held by any worker for this
# many seconds (scrapy-redis's name; its default, 0, would wait forever).
MAX_IDLE_TIME_BEFORE_CLOSE = 10

DOWNLOADER_MIDDLEWARES = {
    # On the downloader side of every built-in middleware (HttpCache is 900):
    # the recorder sees raw bodies before decompression, and replayed responses
    # still pass through redirect, retry and decompression like downloaded ones.
    "crawler.warc.middlewares.WarcRecorderMiddleware": 950,
    "crawler.warc.middlewares.ReplayMiddleware": 960,
}

ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.dedup.DedupPipeline": 200,
    "crawler.pipelines.jsonl.JsonLinesWriterPipeline": 900,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
