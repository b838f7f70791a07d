"""The scheduler of a worker: scrapy-redis's shared queue, made safe to kill.

scrapy-redis's ``Scheduler`` pops a request and forgets it: a worker that
dies loses every request it held, and those URLs are already in the shared
seen-set, so no worker fetches them again.  Its workers also wait forever
for new requests unless told otherwise.  ``RedisWorkerScheduler`` keeps its
queue format and dupefilter and adds, all in Redis (keys under
``DISTRIBUTED_KEY_PREFIX``):

- **runs**: the first worker claims a run (an atomic script: no run yet, or
  the last one finished), clears what the last run left, publishes what the
  output already holds (``known:*``) and says ``ready``; later workers wait
  for ``ready``, then load ``known:*``.  Every worker yields the start URL;
  the seen-set lets one through;
- **acknowledgement**: a pop moves the request into the worker's
  ``inflight:<worker id>`` hash in the same script; it leaves it once Scrapy
  has finished with it (downloaded, called back, its items through the
  pipelines, the requests it yielded in the queue);
- **requeue**: each worker refreshes ``alive:<worker id>`` (expiring after
  ``DISTRIBUTED_HEARTBEAT_TTL``); any worker puts the in-flight requests of a
  worker whose key expired back into the queue.  A request can so be
  processed twice, never lost: its second records are duplicates that
  ``merge_shards`` drops, its child requests are in the seen-set already;
- **end**: the crawl is over when the queue is empty and no worker, live or
  dead, holds a request, for ``MAX_IDLE_TIME_BEFORE_CLOSE`` seconds; the
  first worker to see it marks the run ``done`` and frees its seen-set, and
  every worker closes.  A run whose workers were all killed is resumed by
  the next worker started (it joins the unfinished run).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis import connection, picklecompat
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler.distributed import shards_dir, worker_id
from crawler.distributed.coordination import CrawlCoordinator
from crawler.state import ArchiveState

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

# Send the outbox at once when it grows this long (a page yields tens of links).
OUTBOX_MAX = 200


class RedisWorkerScheduler(Scheduler):
    """scrapy-redis's scheduler for one worker of a distributed crawl.

    Settings: ``REDIS_URL`` (and scrapy-redis's ``REDIS_PARAMS``),
    ``DISTRIBUTED_KEY_PREFIX``, ``DISTRIBUTED_WORKER_ID``,
    ``DISTRIBUTED_HEARTBEAT_TTL``, ``DISTRIBUTED_POLL_INTERVAL``, ``DISTRIBUTED_PREFETCH``,
    ``MAX_IDLE_TIME_BEFORE_CLOSE``, ``DUPEFILTER_CLASS``, ``DUPEFILTER_DEBUG``.
    Stats: ``distributed/role`` (seed or join), ``distributed/enqueued``,
    ``distributed/filtered`` (seen by any worker), ``distributed/refused_after_end``,
    ``distributed/dequeued``, ``distributed/acked``, ``distributed/requeued``
    (in-flight requests of dead workers put back), ``distributed/requeued_own``
    (this worker's, put back when it closed before finishing them).
    """

    def __init__(
        self,
        coordinator: CrawlCoordinator,
        crawler: Crawler,
        *,
        poll_interval: float,
        prefetch: int,
        max_idle: float,
        dupefilter_cls: str,
        debug: bool = False,
    ) -> None:
        super().__init__(
            coordinator.server, persist=True, dupefilter_cls=dupefilter_cls, serializer=picklecompat
        )
        self.coordinator = coordinator
        self.crawler = crawler
        self.poll_interval = poll_interval
        self.max_idle = max_idle
        self.debug = debug
        self.role: str | None = None
        self.spider: Spider | None = None
        self.prefetch = max(1, prefetch)
        # Requests handed to the engine and not yet acknowledged -> queue member.
        self._held: dict[Request, bytes] = {}
        # Popped (held in Redis) but not yet handed to the engine.
        self._ready: deque[tuple[Request, bytes]] = deque()
        # Yielded by callbacks, not yet sent to Redis: (request, fingerprint, queue member).
        self._outbox: list[tuple[Request, str, bytes]] = []
        self._quiet_since: float | None = None
        self._loops: list[task.LoopingCall] = []
        self._last_reap = 0.0
        self._closed = False
        self._warned_no_slot = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        server = connection.get_redis_from_settings(settings)
        server.ping()  # fail at once on a wrong REDIS_URL
        coordinator = CrawlCoordinator(
            server,
            settings.get("DISTRIBUTED_KEY_PREFIX"),
            worker_id(crawler),
            settings.getfloat("DISTRIBUTED_HEARTBEAT_TTL"),
        )
        scheduler = cls(
            coordinator,
            crawler,
            poll_interval=settings.getfloat("DISTRIBUTED_POLL_INTERVAL"),
            prefetch=settings.getint("DISTRIBUTED_PREFETCH"),
            max_idle=settings.getfloat("MAX_IDLE_TIME_BEFORE_CLOSE"),
            dupefilter_cls=settings.get("DUPEFILTER_CLASS"),
            debug=settings.getbool("DUPEFILTER_DEBUG"),
        )
        scheduler.stats = crawler.stats
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    @property
    def worker(self) -> str:
        return self.coordinator.worker

    def _inc(self, key: str, count: int = 1) -> None:
        stats: StatsCollector | None = self.stats
        if stats is not None and count:
            stats.inc_value(key, count)

    def _start_loop(self, interval: float, function: Any) -> None:
        loop = task.LoopingCall(function)
        loop.start(interval, now=False).addErrback(
            lambda failure: logger.error("%s failed: %s", function.__name__, failure.getErrorMessage())
        )
        self._loops.append(loop)

    # -- opening: claim or join a run ------------------------------------------------

    def open(self, spider: Spider) -> Deferred[None]:
        self.spider = spider
        keys = self.coordinator.keys
        self.queue = PriorityQueue(
            server=self.server, spider=spider, key=keys.requests, serializer=self.serializer
        )
        self.df = load_object(self.dupefilter_cls)(
            self.server,
            key=keys.dupefilter,
            debug=self.debug,
            tracking_params=spider.settings.getlist("CANONICAL_TRACKING_PARAMS"),
        )
        requeued = self.coordinator.take_worker_id()
        if requeued:
            logger.warning("Requeued %d requests an earlier worker %s left in flight", requeued, self.worker)
            self._inc("distributed/requeued", requeued)
        self._start_loop(max(0.05, self.coordinator.heartbeat_ttl / 3), self.coordinator.heartbeat)
        return task.deferLater(_reactor(), 0, self._open_run)

    def _open_run(self) -> Deferred[None] | None:
        role, holder = self.coordinator.claim_run()
        self.role = role
        if self.stats is not None:
            self.stats.set_value("distributed/role", role)
        state = ArchiveState.for_crawler(self.crawler)
        if role == "seed":
            self.coordinator.publish_known(state)
            self.coordinator.set_ready()
            logger.info(
                "Worker %s started a new distributed run (prefix %r)",
                self.worker,
                self.coordinator.keys.prefix,
            )
            self._warn_unmerged(state.output)
            self._opened()
            return None
        return self._wait_ready(holder, state, time.monotonic())

    def _wait_ready(self, holder: str, state: ArchiveState, since: float) -> Deferred[None] | None:
        if self.coordinator.is_ready():
            self.coordinator.load_known(state)
            logger.info("Worker %s joined the distributed run seeded by %s", self.worker, holder)
            self._opened()
            return None
        if not self.coordinator.is_alive(holder):
            logger.warning("Worker %s died before the run was ready: starting it again", holder)
            self.coordinator.drop_claim(holder)
            return task.deferLater(_reactor(), 0, self._open_run)
        if time.monotonic() - since > 10:
            logger.info("Waiting for worker %s to seed the run", holder)
            since = time.monotonic()
        return task.deferLater(
            _reactor(), min(0.2, self.poll_interval), self._wait_ready, holder, state, since
        )

    def _warn_unmerged(self, output: Path | None) -> None:
        if output is None:
            return
        unmerged = sorted(shards_dir(output).glob("*.jsonl"))
        if unmerged:
            logger.warning(
                "%d shard(s) of earlier runs are not merged into %s yet (scrapy merge_shards): "
                "articles they hold may be crawled again",
                len(unmerged),
                output,
            )

    def _opened(self) -> None:
        if len(self.queue):
            logger.info("Joining a distributed crawl with %d requests queued", len(self.queue))
        self._reap(force=True)
        # The engine looks at the scheduler only when something finishes or
        # every 5 s; an idle worker polls so that it joins in at once.
        self._start_loop(self.poll_interval, self._poll)

    # -- queue ---------------------------------------------------------------------------
    #
    # Every exchange with Redis blocks the worker's event loop for a round
    # trip (longer when the machine is busy), so they are batched: new
    # requests wait in ``_outbox``, and one pipeline queues them, then
    # acknowledges what the engine finished, then pops up to
    # ``DISTRIBUTED_PREFETCH`` requests into ``_ready`` (held in Redis from
    # then on).  The order keeps the guarantee: a request is acknowledged
    # only after the requests it yielded are queued.

    def enqueue_request(self, request: Request) -> bool:
        """Queue ``request`` at the next sync; the seen-set decides then (always ``True`` here)."""
        self._outbox.append(
            (request, self.df.request_fingerprint(request), self.queue._encode_request(request))
        )
        if len(self._outbox) >= OUTBOX_MAX:
            self._sync(pop=False)
        return True

    def next_request(self) -> Request | None:
        if not self._ready or self._outbox:
            self._sync(pop=not self._ready)
        if not self._ready:
            return None
        request, data = self._ready.popleft()
        self._held[request] = data
        self._inc("distributed/dequeued")
        return request

    def has_pending_requests(self) -> bool:
        return bool(self._ready or self._outbox) or len(self) > 0

    def _sync(self, *, pop: bool) -> None:
        """Queue the outbox, acknowledge finished requests, pop some: one round trip."""
        outbox, self._outbox = self._outbox, []
        done = self._finished()
        try:
            queued, popped = self.coordinator.sync(
                [(fp, data, request.priority, request.dont_filter) for request, fp, data in outbox],
                [self._held[request] for request in done],
                self.prefetch if pop else 0,
            )
        except BaseException:
            self._outbox[:0] = outbox  # sent again at the next sync (the seen-set makes it harmless)
            raise
        for request in done:
            del self._held[request]
        self._inc("distributed/acked", len(done))
        for (request, _, _), result in zip(outbox, queued, strict=True):
            if result == 1:
                self._inc("distributed/enqueued")
            elif result == 0:
                self.df.log(request, self.spider)
                self._inc("distributed/filtered")
            else:
                self._inc("distributed/refused_after_end")
        self._ready.extend((self.queue._decode_request(data), data) for data in popped)

    def _in_progress(self) -> set[Request] | None:
        """The requests the engine is still working on; ``None`` when that cannot be known.

        The engine's slot holds a request from its download until its
        response went through the callback, the callback's items through the
        item pipelines and its requests into the scheduler (``_remove_request``
        after ``_handle_downloader_output``): the moment to acknowledge it.
        """
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is None:
            return None  # not open yet, or closed: keep holding
        in_progress: set[Request] | None = getattr(slot, "inprogress", None)
        if in_progress is None:
            # A Scrapy without the slot's set: acknowledge on the next pop,
            # scrapy-redis's own (lossy) behaviour, rather than never.
            if not self._warned_no_slot:
                self._warned_no_slot = True
                logger.warning("The engine slot has no 'inprogress': in-flight requests are not protected")
            return set()
        return in_progress

    def _finished(self) -> list[Request]:
        """The held requests the engine has finished with."""
        if not self._held:
            return []
        in_progress = self._in_progress()
        if in_progress is None:
            return []
        return [request for request in self._held if request not in in_progress]

    # -- idle, requeue, end -----------------------------------------------------------

    def _reap(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_reap < self.coordinator.heartbeat_ttl / 3:
            return
        self._last_reap = now
        requeued, dead = self.coordinator.requeue_dead()
        if dead:
            logger.warning(
                "Requeued %d in-flight requests of %d worker(s) whose heartbeat stopped", requeued, dead
            )
            self._inc("distributed/requeued", requeued)

    def _poll(self) -> None:
        self._sync(pop=False)
        self._reap()
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None) if engine is not None else None
        if slot is not None:
            slot.nextcall.schedule()

    def spider_idle(self) -> None:
        """Keep the worker open until the whole crawl has been idle for ``MAX_IDLE_TIME_BEFORE_CLOSE``."""
        self._sync(pop=False)
        self._reap()
        if self.coordinator.is_done():
            return
        if not self.coordinator.quiescent():
            self._quiet_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self._quiet_since is None:
            self._quiet_since = now
        if now - self._quiet_since < self.max_idle:
            raise DontCloseSpider
        self.coordinator.finish_run()
        logger.info(
            "The distributed crawl has been idle for %.1fs: run finished, closing worker %s",
            self.max_idle,
            self.worker,
        )

    def close(self, reason: str) -> None:
        if self._closed or self.spider is None:
            return
        self._closed = True
        for loop in self._loops:
            if loop.running:
                loop.stop()
        self._sync(pop=False)
        if self._held or self._ready:
            # Popped but not finished by the engine (closed before their turn): back to the queue.
            self._inc("distributed/requeued_own", self.coordinator.requeue_own())
            self._held.clear()
            self._ready.clear()
        self.coordinator.leave()


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor
