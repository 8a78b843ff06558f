"""The Custom provider's thread pool: threads are reused, a hung action only costs its thread."""

import threading

from phonemfa.delivery.action_runner import ActionRunner


def test_threads_are_reused_between_actions():
    runner = ActionRunner(max_idle=2)
    names = set()
    for _ in range(20):
        job = runner.run(lambda: names.add(threading.get_ident()), timeout=5)
        assert job.done.is_set() and job.error is None
    assert len(names) == 1  # one thread served every sequential action


def test_a_hung_action_times_out_and_later_ones_still_run():
    runner = ActionRunner()
    release = threading.Event()
    hung = runner.run(release.wait, timeout=0.05)
    assert not hung.done.is_set()  # the caller got its answer: timed out
    later = runner.run(lambda: "ok", timeout=5)
    assert later.done.is_set() and later.value == "ok"
    release.set()  # the hung action ends: its thread returns to the pool
    assert hung.done.wait(5) and hung.value is True


def test_errors_are_returned_not_raised():
    runner = ActionRunner()
    job = runner.run(lambda: 1 / 0, timeout=5)
    assert isinstance(job.error, ZeroDivisionError)
    system_exit = runner.run(lambda: exit(3), timeout=5)
    assert isinstance(system_exit.error, SystemExit)
    assert runner.run(lambda: 42, timeout=5).value == 42  # the pool survived both
