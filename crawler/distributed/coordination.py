"""The Redis side of a distributed crawl: one run, its workers, their requests.

Every step that must not be cut in half by a kill is one Lua script, which
Redis runs atomically: claiming a run, queueing a request together with its
fingerprint, popping a request into the popping worker's in-flight hash,
requeueing the in-flight requests of dead workers.  Keys (under a prefix,
``DISTRIBUTED_KEY_PREFIX``):

- ``requests`` (sorted set, scrapy-redis's ``PriorityQueue`` format),
  ``dupefilter`` (set of canonical fingerprints), ``enqueued`` (counter);
- ``run`` (the seeding worker's id), ``ready``, ``done``;
- ``known:ids``, ``known:urls``, ``known:hashes``: what the output held when
  the run started, published by the seeding worker;
- ``workers`` (set of ids), ``alive:<id>`` (heartbeat, expires after the
  TTL), ``inflight:<id>`` (hash: queue member -> score).

See docs/distributed.md.  The scripts build key names from the prefix, so
the crawl needs one Redis server, not a cluster.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from redis.exceptions import NoScriptError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.state import ArchiveState

logger = logging.getLogger(__name__)

_KNOWN_BATCH = 1000

# KEYS: run, done, ready, enqueued, requests, dupefilter, known ids, urls, hashes
# ARGV: worker id.  Returns {"seed"|"join", holder}.
_CLAIM = """
local holder = redis.call('GET', KEYS[1])
if holder and redis.call('EXISTS', KEYS[2]) == 0 then
  return {'join', holder}
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9])
redis.call('SET', KEYS[1], ARGV[1])
return {'seed', ARGV[1]}
"""

# KEYS: run.  ARGV: holder.  Drops the claim of a seeder that died before ``ready``.
_DROP_CLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS: dupefilter, requests, enqueued, done.  ARGV: fingerprint, data, -priority, filter (1/0).
# Seen-set and queue in one step: a worker killed in between cannot leave a
# URL seen but never queued.  The score orders by priority, then last in
# first out, like Scrapy's own scheduler (LifoMemoryQueue per priority): the
# crawl goes deep first and the queue (the frontier) stays small.
_ENQUEUE = """
if redis.call('EXISTS', KEYS[4]) == 1 then
  return -1
end
if ARGV[4] == '1' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local n = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]) * 1099511627776 - n, ARGV[2])
return 1
"""

# KEYS: requests, inflight.  ARGV: how many.  The requests with the lowest
# scores move to the worker's in-flight hash (member -> score) in the same step.
_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local members = {}
for i = 1, #found, 2 do
  redis.call('HSET', KEYS[2], found[i], found[i + 1])
  members[#members + 1] = found[i]
end
if #members > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, #members - 1)
end
return members
"""

# KEYS: workers, requests.  ARGV: key prefix, worker id or ''.  Requeues the
# in-flight requests of every registered worker whose heartbeat expired (or
# of the named one), and forgets the worker.  Returns {requests, workers}.
_REQUEUE = """
local requeued, dead = 0, 0
local ids = redis.call('SMEMBERS', KEYS[1])
if ARGV[2] ~= '' then
  ids = {ARGV[2]}
end
for _, id in ipairs(ids) do
  if ARGV[2] ~= '' or redis.call('EXISTS', ARGV[1] .. ':alive:' .. id) == 0 then
    local inflight = ARGV[1] .. ':inflight:' .. id
    local held = redis.call('HGETALL', inflight)
    for i = 1, #held, 2 do
      redis.call('ZADD', KEYS[2], held[i + 1], held[i])
      requeued = requeued + 1
    end
    redis.call('DEL', inflight)
    redis.call('SREM', KEYS[1], id)
    dead = dead + 1
  end
end
return {requeued, dead}
"""

# KEYS: requests, enqueued, workers.  ARGV: key prefix.  1 when nothing is
# queued, something was queued in this run, and no worker holds a request.
_QUIESCENT = """
if redis.call('ZCARD', KEYS[1]) > 0 or tonumber(redis.call('GET', KEYS[2]) or '0') == 0 then
  return 0
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('HLEN', ARGV[1] .. ':inflight:' .. id) > 0 then
    return 0
  end
end
return 1
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class CrawlKeys:
    """The Redis keys of one distributed crawl, under one prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.requests = f"{prefix}:requests"
        self.dupefilter = f"{prefix}:dupefilter"
        self.run = f"{prefix}:run"
        self.ready = f"{prefix}:ready"
        self.done = f"{prefix}:done"
        self.enqueued = f"{prefix}:enqueued"
        self.workers = f"{prefix}:workers"
        self.known_ids = f"{prefix}:known:ids"
        self.known_urls = f"{prefix}:known:urls"
        self.known_hashes = f"{prefix}:known:hashes"

    def alive(self, worker: str) -> str:
        return f"{self.prefix}:alive:{worker}"

    def inflight(self, worker: str) -> str:
        return f"{self.prefix}:inflight:{worker}"


class WorkerIdInUse(RuntimeError):
    """Another live worker has this worker's id."""


class CrawlCoordinator:
    """One worker's view of a distributed crawl in Redis (no Scrapy in here).

    ``server`` is a redis-py client, ``worker`` this worker's id,
    ``heartbeat_ttl`` the seconds after which a silent worker is dead.
    """

    def __init__(self, server: Any, prefix: str, worker: str, heartbeat_ttl: float) -> None:
        self.server = server
        self.keys = CrawlKeys(prefix)
        self.worker = worker
        self.heartbeat_ttl = heartbeat_ttl
        self._claim = server.register_script(_CLAIM)
        self._drop_claim = server.register_script(_DROP_CLAIM)
        self._enqueue = server.register_script(_ENQUEUE)
        self._pop = server.register_script(_POP)
        self._requeue = server.register_script(_REQUEUE)
        self._quiescent = server.register_script(_QUIESCENT)
        self._scripts = (self._enqueue, self._pop)
        for script in self._scripts:  # pipelined by sha (see _pipeline)
            server.script_load(script.script)

    @property
    def _ttl_ms(self) -> int:
        return max(1, int(self.heartbeat_ttl * 1000))

    # -- workers -------------------------------------------------------------------

    def take_worker_id(self, wait: float | None = None) -> int:
        """Take ``alive:<id>``, waiting (up to twice the TTL) for an earlier holder to expire.

        Returns how many requests an earlier worker of this id left in
        flight; they are back in the queue.  Raises ``WorkerIdInUse``.
        """
        deadline = time.monotonic() + (2 * self.heartbeat_ttl if wait is None else wait)
        alive = self.keys.alive(self.worker)
        while not self.server.set(alive, str(time.time()), px=self._ttl_ms, nx=True):
            if time.monotonic() > deadline:
                raise WorkerIdInUse(f"Worker id {self.worker!r} is in use by a live worker")
            time.sleep(min(1.0, self.heartbeat_ttl / 4))
        requeued = self.requeue_own()
        self.heartbeat()
        return requeued

    def heartbeat(self) -> None:
        """Say this worker is alive (and registered: a worker once taken for dead comes back)."""
        pipe = self.server.pipeline()
        pipe.set(self.keys.alive(self.worker), str(time.time()), px=self._ttl_ms)
        pipe.sadd(self.keys.workers, self.worker)
        pipe.execute()

    def is_alive(self, worker: str) -> bool:
        return bool(self.server.exists(self.keys.alive(worker)))

    def leave(self) -> None:
        """Forget this worker (its in-flight requests must be acknowledged or requeued first)."""
        pipe = self.server.pipeline()
        pipe.delete(self.keys.inflight(self.worker), self.keys.alive(self.worker))
        pipe.srem(self.keys.workers, self.worker)
        pipe.execute()

    # -- runs ------------------------------------------------------------------------

    def claim_run(self) -> tuple[str, str]:
        """``("seed", me)`` when this worker starts a new run (the last one is cleared),
        else ``("join", seeder)``."""
        k = self.keys
        role, holder = self._claim(
            keys=[
                k.run,
                k.done,
                k.ready,
                k.enqueued,
                k.requests,
                k.dupefilter,
                k.known_ids,
                k.known_urls,
                k.known_hashes,
            ],
            args=[self.worker],
        )
        return _text(role), _text(holder)

    def drop_claim(self, holder: str) -> bool:
        """Drop the claim of ``holder`` (a seeder that died before the run was ready)."""
        return bool(self._drop_claim(keys=[self.keys.run], args=[holder]))

    def set_ready(self) -> None:
        self.server.set(self.keys.ready, self.worker)

    def is_ready(self) -> bool:
        return bool(self.server.exists(self.keys.ready))

    def is_done(self) -> bool:
        return bool(self.server.exists(self.keys.done))

    def publish_known(self, state: ArchiveState) -> None:
        """Put what the output already holds where every worker can read it."""
        pipe = self.server.pipeline(transaction=False)
        for key, values in self._known(state):
            ordered = sorted(values)
            for start in range(0, len(ordered), _KNOWN_BATCH):
                pipe.sadd(key, *ordered[start : start + _KNOWN_BATCH])
        pipe.execute()

    def load_known(self, state: ArchiveState) -> None:
        """What the seeder published replaces this worker's own view of the output."""
        state.ids, state.urls, state.hashes = (
            {_text(v) for v in self.server.sscan_iter(key, count=5000)} for key, _ in self._known(state)
        )

    def _known(self, state: ArchiveState) -> Iterable[tuple[str, set[str]]]:
        return (
            (self.keys.known_ids, state.ids),
            (self.keys.known_urls, state.urls),
            (self.keys.known_hashes, state.hashes),
        )

    def quiescent(self) -> bool:
        """Nothing queued, something queued in this run, and no worker (live or dead) holds a request."""
        k = self.keys
        return bool(self._quiescent(keys=[k.requests, k.enqueued, k.workers], args=[k.prefix]))

    def finish_run(self) -> None:
        """Mark the run done and free its seen-set: requests are refused from now on."""
        pipe = self.server.pipeline()
        pipe.set(self.keys.done, self.worker)
        pipe.delete(self.keys.dupefilter, self.keys.known_ids, self.keys.known_urls, self.keys.known_hashes)
        pipe.execute()

    # -- requests --------------------------------------------------------------------

    def enqueue(self, fingerprint: str, data: bytes, priority: int, *, dont_filter: bool = False) -> int:
        """Queue ``data`` unless its fingerprint was seen: 1 queued, 0 seen, -1 refused (the run is over).

        Higher ``priority`` first, then the latest queued first.
        """
        return self.sync([(fingerprint, data, priority, dont_filter)], [], 0)[0][0]

    def pop(self) -> bytes | None:
        """The next request (queue member), now held in this worker's in-flight hash."""
        popped = self.sync([], [], 1)[1]
        return popped[0] if popped else None

    def ack(self, members: Iterable[bytes]) -> None:
        """Forget held requests: the worker is done with them."""
        self.sync([], list(members), 0)

    def sync(
        self, outbox: list[tuple[str, bytes, int, bool]], acks: list[bytes], pop: int
    ) -> tuple[list[int], list[bytes]]:
        """Queue ``outbox`` (fingerprint, data, priority, dont_filter), then acknowledge
        ``acks``, then pop up to ``pop`` requests: one round trip, in this order.

        Redis runs the commands of a pipeline in order, so an acknowledged
        request's children are queued even if this worker dies on the way.
        Returns the result of each ``enqueue`` and the popped requests.
        """
        k = self.keys
        inflight = k.inflight(self.worker)
        commands: list[tuple[Any, ...]] = [
            (
                "EVALSHA", self._enqueue.sha, 4, k.dupefilter, k.requests, k.enqueued, k.done,
                fingerprint, data, -priority, "0" if dont_filter else "1",
            )
            for fingerprint, data, priority, dont_filter in outbox
        ]  # fmt: skip
        if acks:
            commands.append(("HDEL", inflight, *acks))
        if pop:
            commands.append(("EVALSHA", self._pop.sha, 2, k.requests, inflight, pop))
        if not commands:
            return [], []
        results = self._pipeline(commands)
        queued = [int(r) for r in results[: len(outbox)]]
        popped = list(results[-1]) if pop else []
        return queued, popped

    def _pipeline(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Run ``commands`` in one round trip, in order; load the scripts once if Redis lost them.

        (redis-py's own pipelined scripts ask Redis whether they exist on
        every execution: a second round trip each time.)
        """
        for attempt in (1, 2):
            pipe = self.server.pipeline(transaction=False)
            for command in commands:
                pipe.execute_command(*command)
            try:
                return list(pipe.execute())
            except NoScriptError:
                if attempt == 2:
                    raise
                # Redis restarted or its script cache was flushed; nothing ran.
                for script in self._scripts:
                    self.server.script_load(script.script)
        raise AssertionError("unreachable")

    def held(self) -> int:
        return int(self.server.hlen(self.keys.inflight(self.worker)))

    def queued(self) -> int:
        return int(self.server.zcard(self.keys.requests))

    def requeue_dead(self) -> tuple[int, int]:
        """Requeue the in-flight requests of workers whose heartbeat expired: (requests, workers)."""
        requeued, dead = self._requeue(
            keys=[self.keys.workers, self.keys.requests], args=[self.keys.prefix, ""]
        )
        return int(requeued), int(dead)

    def requeue_own(self) -> int:
        """Put this worker's in-flight requests back into the queue."""
        requeued, _ = self._requeue(
            keys=[self.keys.workers, self.keys.requests], args=[self.keys.prefix, self.worker]
        )
        return int(requeued)


def unfinished_run(server: Any, prefix: str) -> str | None:
    """Why the distributed run under ``prefix`` is not over, or ``None`` when there is none or it is done."""
    keys = CrawlKeys(prefix)
    if not server.exists(keys.run) or server.exists(keys.done):
        return None
    queued = int(server.zcard(keys.requests))
    workers = sorted(_text(w) for w in server.smembers(keys.workers))
    alive = [w for w in workers if server.exists(keys.alive(w))]
    held = sum(int(server.hlen(keys.inflight(w))) for w in workers)
    return (
        f"the distributed run {prefix!r} is not finished: {queued} requests queued, {held} held, "
        f"workers alive: {', '.join(alive) or 'none'}"
    )
