"""Time as Vietnamese records state it: ISO 8601 to the second, with the +07:00 offset
(Decree 30/2020, Appendix I: e.g. 2026-11-25T14:03:07+07:00)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7), "+07:00")


def now_vn() -> datetime:
    """Now, in Vietnam, to the second."""
    return datetime.now(VN_TZ).replace(microsecond=0)


def iso_vn(moment: datetime) -> str:
    """``2026-11-25T14:03:07+07:00``: ISO 8601, to the second, Vietnam offset."""
    return moment.astimezone(VN_TZ).replace(microsecond=0).isoformat()


def assume_vn(moment: datetime) -> datetime:
    """A time given without an offset is a Vietnamese local time."""
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
