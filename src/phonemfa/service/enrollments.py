"""Enrollments as operators and users see them: list, read, delete; the MFA API's authenticators."""

from __future__ import annotations

from typing import Any

from phonemfa.core.masking import mask_phone
from phonemfa.errors import NotFoundError
from phonemfa.service.attempt import check_user_id
from phonemfa.service.results import Enrollment
from phonemfa.store import enrollments_repo, transactions_repo
from phonemfa.store.enrollments_repo import EnrollmentRow


def _public(row: EnrollmentRow) -> Enrollment:
    return Enrollment(
        id=row.id,
        user_id=row.user_id,
        status=row.status,
        channel=row.channel,
        phone_number=mask_phone(row.phone_number) or "",
        region=row.region,
        number_type=row.number_type,
        created_at=row.created_at,
        enrolled_at=row.enrolled_at,
        last_auth=row.last_auth,
    )


class EnrollmentsMixin:
    def list_enrollments(self, user_id: str) -> list[Enrollment]:
        check_user_id(user_id)
        return [_public(r) for r in enrollments_repo.for_user(self.store, user_id)]

    def get_enrollment(self, enrollment_id: str) -> Enrollment:
        row = enrollments_repo.get(self.store, enrollment_id)
        if row is None:
            raise NotFoundError("Enrollment not found.", code="inexistent_enrollment")
        return _public(row)

    def delete_enrollment(
        self,
        enrollment_id: str,
        *,
        actor: str,
        user_id: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
        simulated: bool = False,
    ) -> Enrollment:
        """Remove a phone enrollment (its open codes die with it). The user's recovery code goes
        too when no phone is left, so a later enrollment is a first enrollment again."""
        with self.store.transaction():
            row = enrollments_repo.get(self.store, enrollment_id)
            if row is None or (user_id is not None and row.user_id != user_id):
                raise NotFoundError("Enrollment not found.", code="inexistent_enrollment")
            enrollments_repo.delete(self.store, enrollment_id)
            transactions_repo.supersede_live(self.store, enrollment_id, self.now())
            recovery_removed = 0
            if not enrollments_repo.for_user(self.store, row.user_id):
                recovery_removed = enrollments_repo.delete_recovery_for_user(
                    self.store, row.user_id
                )
            self.log_event(
                "gd_unenroll",
                details={
                    "authenticator": {
                        "id": f"{row.channel}|{row.id}",
                        "type": row.channel,
                        "phone_number": mask_phone(row.phone_number),
                    },
                    "actor": actor,
                    "recovery_code_removed": bool(recovery_removed),
                },
                user_id=row.user_id,
                ip=ip,
                user_agent=user_agent,
                simulated=simulated,
            )
        return _public(row)

    def authenticators(self, user_id: str) -> list[dict[str, Any]]:
        """The MFA API's view: each confirmed phone as `sms|dev_X` and `voice|dev_X`, plus the
        recovery code as `recovery-code|dev_Y`."""
        check_user_id(user_id)
        listed: list[dict[str, Any]] = []
        for row in enrollments_repo.for_user(self.store, user_id, enrollments_repo.CONFIRMED):
            for channel in ("sms", "voice"):
                listed.append(
                    {
                        "id": f"{channel}|{row.id}",
                        "authenticator_type": "oob",
                        "active": True,
                        "oob_channel": channel,
                        "name": mask_phone(row.phone_number),
                    }
                )
        recovery = enrollments_repo.active_recovery(self.store, user_id)
        if recovery:
            listed.append(
                {
                    "id": f"recovery-code|{recovery.id}",
                    "authenticator_type": "recovery-code",
                    "active": True,
                }
            )
        return listed

    def delete_authenticator(self, user_id: str, authenticator_id: str, *, actor: str) -> None:
        kind, _, device = (authenticator_id or "").partition("|")
        if kind in ("sms", "voice") and device:
            self.delete_enrollment(device, actor=actor, user_id=user_id)
            return
        if kind == "recovery-code" and device:
            with self.store.transaction():
                removed = self.store.db.execute(
                    "DELETE FROM recovery_codes WHERE id = ? AND user_id = ? AND state = 'active'",
                    (device, user_id),
                ).rowcount
                if not removed:
                    raise NotFoundError("Authenticator not found.", code="authenticator_not_found")
                self.log_event(
                    "gd_unenroll",
                    details={
                        "authenticator": {"id": authenticator_id, "type": "recovery-code"},
                        "actor": actor,
                    },
                    user_id=user_id,
                )
            return
        raise NotFoundError("Authenticator not found.", code="authenticator_not_found")
