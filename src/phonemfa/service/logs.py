"""Reading the tenant log: polling by id (live log, `logs --follow`), search and paging (logs API)."""

from __future__ import annotations

from dataclasses import dataclass

from phonemfa.core.events import Event, row_id_from_log_id
from phonemfa.core.logquery import Condition, InvalidQuery, compile_query
from phonemfa.errors import NotFoundError
from phonemfa.service.base import ServiceBase
from phonemfa.store import events_repo, monitor_repo

MAX_PER_PAGE = 100
MAX_TAKE = 100


@dataclass(frozen=True)
class LogPage:
    logs: list[Event]
    start: int
    limit: int
    total: int | None = None


class LogsMixin(ServiceBase):
    def last_event_id(self) -> int:
        return events_repo.last_id(self.store)

    def events_after(self, last_id: int, limit: int = 500) -> list[Event]:
        """Events newer than `last_id`, oldest first: what a poller appends next."""
        return events_repo.after(self.store, last_id, limit=limit)

    def recent_events(
        self,
        limit: int = 50,
        *,
        types: list[str] | None = None,
        user_id: str | None = None,
    ) -> list[Event]:
        """The newest `limit` events (optionally of some types or one user), oldest first."""
        found = events_repo.search(
            self.store, types=types or None, user_id=user_id, limit=limit, newest_first=True
        )
        return list(reversed(found))

    def get_log(self, log_id: str) -> Event:
        row_id = row_id_from_log_id(log_id)
        event = monitor_repo.get_event(self.store, row_id) if row_id is not None else None
        if event is None:
            raise NotFoundError("The log event does not exist.", code="inexistent_log")
        return event

    def search_logs(
        self,
        *,
        q: str | None = None,
        page: int = 0,
        per_page: int = 50,
        include_totals: bool = False,
        ascending: bool = False,
    ) -> LogPage:
        """Offset paging over events matching `q` (newest first unless `ascending`)."""
        if page < 0:
            raise InvalidQuery("Invalid query string: page must be 0 or more.")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise InvalidQuery(f"Invalid query string: per_page must be 1 to {MAX_PER_PAGE}.")
        condition = compile_query(q or "")
        logs = monitor_repo.search(
            self.store, condition, ascending=ascending, offset=page * per_page, limit=per_page
        )
        total = monitor_repo.count(self.store, condition) if include_totals else None
        return LogPage(logs=logs, start=page * per_page, limit=per_page, total=total)

    def logs_from(self, from_log_id: str | None, take: int = 50) -> list[Event]:
        """Checkpoint paging: the events after `from_log_id`, oldest first; without a checkpoint,
        the newest `take` events (oldest first, so the last one is the next checkpoint)."""
        if not 1 <= take <= MAX_TAKE:
            raise InvalidQuery(f"Invalid query string: take must be 1 to {MAX_TAKE}.")
        if from_log_id in (None, ""):
            newest = monitor_repo.search(
                self.store, Condition("1", ()), ascending=False, offset=0, limit=take
            )
            return list(reversed(newest))
        row_id = row_id_from_log_id(from_log_id)
        if row_id is None:
            raise InvalidQuery("Invalid query string: from must be a log_id returned by this API.")
        return events_repo.after(self.store, row_id, limit=take)
