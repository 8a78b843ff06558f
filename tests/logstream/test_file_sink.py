"""The file sink: JSON lines, in order, surviving restarts and crashes without gaps or repeats."""

import json

import pytest

from phonemfa.core.events import log_id_for
from phonemfa.errors import ValidationError
from phonemfa.service import PhoneMfa
from tests.logstream.conftest import fast_loop


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def write(service, count):
    return [
        log_id_for(
            service.log_event("gd_send_sms", user_id=f"auth0|u{i}", details={"region": "FR"})
        )
        for i in range(count)
    ]


def test_file_sink_survives_restarts_and_a_crash_without_gaps(service, db_path, clock, tmp_path):
    out = tmp_path / "siem" / "phonemfa.jsonl"
    out.parent.mkdir()
    service.create_stream(name="archive", type="file", file_path=str(out))
    expected = write(service, 5)
    first = fast_loop(service, batch_size=3)
    first.tick()
    first.stop()
    assert [r["log_id"] for r in lines(out)] == expected

    # A crash between writing the batch and saving the cursor: the file has it, the cursor not.
    expected += write(service, 4)
    crashing = PhoneMfa.open(db_path, clock=clock, demo=False)

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    crashing.stream_delivered = crash
    with pytest.raises(RuntimeError):
        fast_loop(crashing, holder="crashed", lease_ttl=5, batch_size=3).tick()
    crashing.close()
    assert [r["log_id"] for r in lines(out)] == expected[:8]  # written, cursor not saved
    with open(out, "a") as handle:  # and the write of the next batch was torn
        handle.write('{"log_id": "9000000000')

    clock.advance(6)  # the crashed process's lease runs out
    expected += write(service, 2)
    restarted = PhoneMfa.open(db_path, clock=clock, demo=False)
    try:
        fast_loop(restarted).tick()
        assert restarted.stream_lag(restarted.get_stream("archive")) == 0
    finally:
        restarted.close()
    records = lines(out)
    assert [r["log_id"] for r in records] == expected
    assert records[0]["data"]["details"] == {"region": "FR"}


def test_file_sink_needs_an_absolute_path_in_an_existing_folder(service, tmp_path):
    with pytest.raises(ValidationError, match="absolute"):
        service.create_stream(name="a", type="file", file_path="relative.jsonl")
    with pytest.raises(ValidationError, match="does not exist"):
        service.create_stream(name="a", type="file", file_path=str(tmp_path / "no" / "x.jsonl"))
    with pytest.raises(ValidationError, match="folder"):
        service.create_stream(name="a", type="file", file_path=str(tmp_path))
    assert service.list_streams() == []


def test_unwritable_file_marks_the_sink_failing(service, tmp_path):
    target = tmp_path / "locked.jsonl"
    service.create_stream(name="archive", type="file", file_path=str(target))
    target.mkdir()  # something else took the name: writes fail
    write(service, 1)
    report = fast_loop(service).tick()
    assert "cannot write" in next(iter(report.failed.values()))
    assert service.get_stream("archive").health == "failing"
