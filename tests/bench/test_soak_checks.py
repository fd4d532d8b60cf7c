"""What the soak makes of the servers' logs."""

from __future__ import annotations

from pathlib import Path

from bench.soak_checks import is_bus_notice, logged_records

LOG = """\
INFO:     Started server process [14559]
INFO:     127.0.0.1:50318 - "POST /graphql HTTP/1.1" 200 OK
publishing on the bus failed; the relay will retry
Traceback (most recent call last):
  File "/work/subscriptions/bus.py", line 100, in publish
    await asyncio.wait_for(broadcast.publish(channel, message), PUBLISH_TIMEOUT)
redis.exceptions.ConnectionError: Connection closed by server.
INFO:     connection open
the bus at redis://127.0.0.1:6379 is unreachable; retrying
feed of workspace 1 failed; retrying
Traceback (most recent call last):
  File "/work/subscriptions/feeds.py", line 113, in _run
KeyError: 'before'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/work/subscriptions/feeds.py", line 114, in _run
RuntimeError: again
ERROR:    Exception in ASGI application
"""


def test_records_above_info_with_the_exception_they_ended_on(tmp_path: Path) -> None:
    (tmp_path / "server-0.log").write_text(LOG)

    records = logged_records(tmp_path)

    assert records == [
        "server-0.log: publishing on the bus failed; the relay will retry "
        "(redis.exceptions.ConnectionError: Connection closed by server.)",
        "server-0.log: the bus at redis://127.0.0.1:6379 is unreachable; retrying",
        "server-0.log: feed of workspace 1 failed; retrying (KeyError: 'before') "
        "(RuntimeError: again)",
        "server-0.log: ERROR:    Exception in ASGI application",
    ]
    assert [is_bus_notice(record) for record in records] == [True, True, False, False]
