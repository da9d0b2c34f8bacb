"""Locks held for as long as their holder lives: names, counted slots, a probe."""
from __future__ import annotations

from telecentre.tasks.locks import HeldLocks, lock_is_free


def test_slots_count_the_holders_and_come_back_when_let_go_of(app):
    holders = [HeldLocks(app, f"holder {i}") for i in range(4)]
    try:
        taken = [h.try_acquire_slot("test-slots", 3) for h in holders]
        assert sorted(taken[:3]) == ["test-slots:0", "test-slots:1", "test-slots:2"]
        assert taken[3] is None  # all three slots are held
        assert holders[0].held == [taken[0]]  # one slot each, never more
        holders[1].release()
        assert holders[3].try_acquire_slot("test-slots", 3) == taken[1]
    finally:
        for holder in holders:
            holder.release()
    assert lock_is_free(app, "test-slots:0")


def test_a_lock_is_free_once_its_holder_lets_go(app):
    holder = HeldLocks(app, "holder")
    assert holder.try_acquire("test-lock") and holder.alive()
    assert not lock_is_free(app, "test-lock")
    holder.release()
    assert lock_is_free(app, "test-lock")
