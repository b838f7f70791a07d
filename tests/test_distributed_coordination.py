"""CrawlCoordinator against a real redis-server: runs, the queue, acknowledgement, requeue."""

from __future__ import annotations

import itertools

import pytest

from crawler.distributed.coordination import CrawlCoordinator, WorkerIdInUse
from crawler.state import ArchiveState
from tests.servers.redis_server import redis_server  # noqa: F401 (fixture)

_prefixes = itertools.count()


@pytest.fixture
def prefix() -> str:
    return f"coordination-{next(_prefixes)}"


@pytest.fixture
def coordinator(redis_server, prefix):  # noqa: F811
    def make(worker: str, ttl: float = 30.0) -> CrawlCoordinator:
        c = CrawlCoordinator(redis_server.client(), prefix, worker, ttl)
        c.take_worker_id()
        return c

    return make


def test_the_first_worker_seeds_the_others_join(coordinator):
    a, b = coordinator("a"), coordinator("b")
    assert a.claim_run() == ("seed", "a")
    assert b.claim_run() == ("join", "a")
    assert not b.is_ready()
    a.set_ready()
    assert b.is_ready()


def test_a_new_run_after_a_finished_one_starts_clean(coordinator):
    a, b = coordinator("a"), coordinator("b")
    a.claim_run()
    assert a.enqueue("fp1", b"request-1", 0) == 1
    a.ack([a.pop()])
    a.finish_run()
    assert a.enqueue("fp2", b"request-2", 0) == -1  # the run is over: refused
    assert b.claim_run() == ("seed", "b")
    assert not b.is_done()
    assert b.enqueue("fp1", b"request-1", 0) == 1  # the seen-set was cleared


def test_a_seeder_that_died_before_ready_loses_its_claim(coordinator):
    a, b = coordinator("a"), coordinator("b")
    a.claim_run()
    assert not b.drop_claim("somebody-else")
    assert b.drop_claim("a")
    assert b.claim_run() == ("seed", "b")


def test_enqueue_filters_seen_fingerprints_unless_told_not_to(coordinator):
    a = coordinator("a")
    a.claim_run()
    assert a.enqueue("fp", b"first", 0) == 1
    assert a.enqueue("fp", b"second", 0) == 0
    assert a.enqueue("fp", b"retry", 0, dont_filter=True) == 1
    assert a.queued() == 2


def test_pop_takes_the_highest_priority_then_the_latest_and_holds_it_until_acknowledged(coordinator):
    a = coordinator("a")
    a.claim_run()
    a.enqueue("low", b"later", -1)
    a.enqueue("high", b"first", 5)
    a.enqueue("older", b"third", 0)
    a.enqueue("newer", b"second", 0)  # same priority: last in, first out, like Scrapy's queue
    popped = a.pop()
    assert popped == b"first"
    assert (a.queued(), a.held()) == (3, 1)
    assert not a.quiescent()
    a.ack([popped])
    assert a.held() == 0
    assert [a.pop() for _ in range(3)] == [b"second", b"third", b"later"]
    assert not a.quiescent()  # held, not acknowledged
    a.ack([b"second", b"third", b"later"])
    assert a.pop() is None
    assert a.quiescent()


def test_the_requests_of_a_dead_worker_are_requeued_with_their_priority(coordinator, redis_server):  # noqa: F811
    a, b = coordinator("a", ttl=30), coordinator("b", ttl=30)
    a.claim_run()
    for i, priority in enumerate((1, 3, 2)):
        a.enqueue(f"fp{i}", f"request-{i}".encode(), priority)
    held = {a.pop(), a.pop()}
    assert b.requeue_dead() == (0, 0)  # a is alive
    assert not b.quiescent()
    redis_server.client().delete(a.keys.alive("a"))  # a's heartbeat expired
    assert b.requeue_dead() == (2, 1)
    assert a.held() == 0
    assert {b.pop(), b.pop()} == held
    assert b.pop() == b"request-0"  # requeued with their priority: the lowest still comes last


def test_a_worker_id_is_one_live_worker(coordinator, prefix, redis_server):  # noqa: F811
    a = coordinator("a")
    a.claim_run()
    a.enqueue("fp", b"request", 0)
    a.pop()
    twin = CrawlCoordinator(redis_server.client(), prefix, "a", 30)
    with pytest.raises(WorkerIdInUse):
        twin.take_worker_id(wait=0)
    # Once "a" is gone, a new worker of that id takes back what it held.
    redis_server.client().delete(a.keys.alive("a"))
    assert twin.take_worker_id(wait=0) == 1
    assert twin.queued() == 1


def test_what_the_output_holds_is_published_once_and_read_by_every_worker(coordinator, tmp_path):
    a, b = coordinator("a"), coordinator("b")
    a.claim_run()
    seeder_state = ArchiveState(None)
    seeder_state.add(
        {"article_id": "13095123", "url": "http://x/1", "also_at": ["http://x/2"], "content_hash": "h"}
    )
    a.publish_known(seeder_state)
    joiner_state = ArchiveState(tmp_path / "missing.jsonl")
    b.load_known(joiner_state)
    assert joiner_state.ids == {"13095123"}
    assert joiner_state.urls == {"http://x/1", "http://x/2"}
    assert joiner_state.hashes == {"h"}
    a.finish_run()  # frees the published state with the seen-set
    b.load_known(joiner_state)
    assert len(joiner_state) == 0


def test_leave_forgets_the_worker(coordinator):
    a, b = coordinator("a"), coordinator("b")
    a.claim_run()
    a.enqueue("fp", b"request", 0)
    a.ack([a.pop()])
    a.leave()
    assert not b.is_alive("a")
    assert b.requeue_dead() == (0, 0)
    assert b.quiescent()


def test_one_sync_queues_then_acknowledges_then_pops(coordinator):
    a = coordinator("a")
    a.claim_run()
    a.enqueue("parent", b"parent", 0)
    parent = a.pop()
    queued, popped = a.sync(
        [("child-1", b"child-1", 0, False), ("parent", b"parent again", 0, False)], [parent], 8
    )
    assert queued == [1, 0]
    assert popped == [b"child-1"]
    assert a.held() == 1  # the child, not the parent


def test_sync_survives_redis_losing_its_scripts(coordinator, redis_server):  # noqa: F811
    a = coordinator("a")
    a.claim_run()
    redis_server.client().script_flush()
    assert a.sync([("fp", b"request", 0, False)], [], 1) == ([1], [b"request"])
