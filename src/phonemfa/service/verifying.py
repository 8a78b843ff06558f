"""Checking codes: a transaction's one-time code, or a recovery code.

Wrong codes spend the user's wrong-code bucket (burst 10, +1 every 6 min by default); once it is
empty every check is refused, right code or not, until it refills (`gd_otp_rate_limit_exceed`).
The check and its effects happen in one BEGIN IMMEDIATE transaction, so a code is used once even
when two requests race.
"""

from __future__ import annotations

from phonemfa.core import codes
from phonemfa.core import trail as steps
from phonemfa.core.masking import mask_phone
from phonemfa.errors import PhoneMfaError
from phonemfa.service.attempt import Attempt, check_user_id
from phonemfa.service.results import RecoveryUsed, Verified
from phonemfa.store import enrollments_repo, transactions_repo
from phonemfa.store.transactions_repo import TransactionRow

_GONE = {
    transactions_repo.VERIFIED: "was already used",
    transactions_repo.SUPERSEDED: "was replaced by a newer code",
    transactions_repo.FAILED: "was never delivered",
}


class VerifyingMixin:
    def verify(
        self,
        transaction_id: str,
        code: str,
        *,
        user_id: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
        simulated: bool = False,
    ) -> Verified:
        """Check the code of an enrollment or a challenge. `user_id`, when given, must match."""
        attempt = self._attempt("verify", user_id, ip, user_agent, simulated)
        txn = (
            transactions_repo.get(self.store, transaction_id)
            if isinstance(transaction_id, str) and 0 < len(transaction_id) <= 200
            else None
        )
        if txn is None or (user_id is not None and txn.user_id != user_id):
            raise self._refusal(
                attempt,
                steps.TRANSACTION,
                "No such transaction (oob_code) for this user.",
                "invalid-expired-code",
                code="transaction_not_found",
                status=404,
                event="gd_auth_failed",
                message="Invalid oob_code.",
            )
        attempt.user_id = txn.user_id
        attempt.simulated = attempt.simulated or txn.simulated
        values = self.settings_values()
        with self.store.transaction():
            outcome = self._check_code(attempt, values, transaction_id, code)
        if isinstance(outcome, PhoneMfaError):
            raise outcome
        return outcome

    def _check_live(self, attempt: Attempt, txn: TransactionRow) -> PhoneMfaError | None:
        """The refusal of a used, replaced, undelivered or expired code (None if it is live)."""
        now = self.now()
        why = reason = None
        if txn.state in _GONE:
            why, reason = f"This code {_GONE[txn.state]}.", txn.state
        elif txn.expires_at <= now:
            why, reason = f"This code expired {int(now - txn.expires_at)} s ago.", "expired"
        elif enrollments_repo.get(self.store, txn.enrollment_id) is None:
            why, reason = "The enrollment of this code was deleted.", "unenrolled"
        if why is None:
            attempt.trail.allow(
                steps.TRANSACTION,
                f"{txn.channel.upper()} code, expires in {int(txn.expires_at - now)} s.",
                expires_in=int(txn.expires_at - now),
                attempts=txn.attempts,
            )
            return None
        error = self._refusal(
            attempt,
            steps.TRANSACTION,
            why,
            "invalid-expired-code",
            code="transaction_expired",
            status=403,
            event="gd_auth_failed",
            message="oob_code is expired" if reason == "expired" else why,
            extra=self._auth_details(txn),
            reason=reason,
        )
        return error

    def _auth_details(self, txn: TransactionRow) -> dict:
        enrollment = enrollments_repo.get(self.store, txn.enrollment_id)
        return {
            "authenticator": {
                "id": f"{txn.channel}|{txn.enrollment_id}",
                "type": txn.channel,
                "phone_number": mask_phone(enrollment.phone_number) if enrollment else None,
            },
            "action": txn.action,
        }

    def _check_code(
        self, attempt: Attempt, values: dict, transaction_id: str, code: str
    ) -> Verified | PhoneMfaError:
        now = self.now()
        txn = transactions_repo.get(self.store, transaction_id)
        assert txn is not None  # transactions are never deleted
        dead = self._check_live(attempt, txn)
        if dead is not None:
            return dead
        problem = codes.code_format_problem(code, txn.digits)
        if problem:
            return self._refusal(
                attempt,
                steps.CODE_FORMAT,
                problem,
                "invalid-otp-code-format",
                code="invalid_otp_format",
                status=400,
                event="gd_auth_failed",
                extra=self._auth_details(txn),
            )
        attempt.trail.allow(steps.CODE_FORMAT, f"{txn.digits} digits.")
        wrong = self._bucket_peek("wrong_codes", txn.user_id, values, now)
        capacity = values["limit_wrong_codes_burst"]
        if not wrong.allowed:
            return self._refusal(
                attempt,
                steps.WRONG_CODES,
                f"{txn.user_id} entered {capacity} wrong codes; checks resume in "
                f"{wrong.retry_after} s.",
                "too-many-failures",
                code="too_many_failures",
                status=429,
                event="gd_otp_rate_limit_exceed",
                message="Too many failed codes. Wait for some minutes before retrying.",
                retry_after=wrong.retry_after,
                extra=self._auth_details(txn),
            )
        attempt.trail.allow(
            steps.WRONG_CODES,
            f"{wrong.remaining} of {capacity} wrong codes left.",
            tokens_left=wrong.remaining,
            capacity=capacity,
        )
        transactions_repo.count_attempt(self.store, txn.id, now)
        enrollment = enrollments_repo.get(self.store, txn.enrollment_id)
        assert enrollment is not None  # checked by _check_live under the same lock
        expected = codes.hotp_code(self.box.decrypt(enrollment.secret), txn.counter, txn.digits)
        if not codes.codes_match(expected, code):
            spent = self._bucket_take("wrong_codes", txn.user_id, values, now, write=True)
            return self._refusal(
                attempt,
                steps.CODE,
                f"Wrong code ({spent.remaining} wrong codes left).",
                "invalid-code",
                code="invalid_otp",
                status=403,
                event="gd_auth_failed",
                message="Invalid binding_code.",
                extra=self._auth_details(txn),
                data={"tokens_left": spent.remaining},
            )
        attempt.trail.allow(steps.CODE, "The code matches.")
        transactions_repo.set_state(self.store, txn.id, transactions_repo.VERIFIED, now)
        completed = txn.kind == "enrollment" and enrollment.status == enrollments_repo.PENDING
        details = {**self._auth_details(txn), "trail": attempt.trail.to_json()}
        if completed:
            enrollments_repo.confirm(self.store, enrollment.id, now)
            enrollments_repo.activate_recovery_for(self.store, enrollment.id)
            event = "gd_enrollment_complete"
        else:
            enrollments_repo.touch_last_auth(self.store, enrollment.id, now)
            event = "gd_auth_succeed"
        attempt.trail.allow(
            steps.RESULT,
            "Enrollment confirmed." if completed else "Second factor passed.",
        )
        details["trail"] = attempt.trail.to_json()
        self.log_event(event, details=details, simulated=attempt.simulated, **attempt.fields())
        return Verified(
            user_id=txn.user_id,
            enrollment_id=enrollment.id,
            channel=txn.channel,
            action=txn.action,
            enrollment_completed=completed,
            trail=tuple(attempt.trail),
        )

    # -- recovery codes ------------------------------------------------------------------------------

    def use_recovery_code(
        self,
        user_id: str,
        recovery_code: str,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
        simulated: bool = False,
    ) -> RecoveryUsed:
        """Pass the second factor with the user's recovery code; returns the new one (once)."""
        check_user_id(user_id)
        attempt = self._attempt("recovery", user_id, ip, user_agent, simulated)
        values = self.settings_values()
        with self.store.transaction():
            outcome = self._check_recovery(attempt, values, recovery_code)
        if isinstance(outcome, PhoneMfaError):
            raise outcome
        return outcome

    def _check_recovery(
        self, attempt: Attempt, values: dict, recovery_code: str
    ) -> RecoveryUsed | PhoneMfaError:
        now, user_id = self.now(), attempt.user_id
        capacity = values["limit_wrong_recovery_burst"]
        wrong = self._bucket_peek("wrong_recovery", user_id, values, now)
        if not wrong.allowed:
            return self._refusal(
                attempt,
                steps.WRONG_RECOVERY,
                f"{user_id} entered {capacity} wrong recovery codes; checks resume in "
                f"{wrong.retry_after} s.",
                "too-many-failures",
                code="too_many_failures",
                status=429,
                event="gd_recovery_rate_limit_exceed",
                message="Too many failed recovery codes. Wait for some minutes before retrying.",
                retry_after=wrong.retry_after,
            )
        attempt.trail.allow(
            steps.WRONG_RECOVERY,
            f"{wrong.remaining} of {capacity} wrong recovery codes left.",
            tokens_left=wrong.remaining,
        )
        active = enrollments_repo.active_recovery(self.store, user_id)
        given = codes.normalize_recovery_code(recovery_code)
        candidate = codes.hash_recovery_code(self.box.hash_key, given or "-")
        if active is None or given is None or not codes.hashes_match(active.code_hash, candidate):
            spent = self._bucket_take("wrong_recovery", user_id, values, now, write=True)
            return self._refusal(
                attempt,
                steps.RECOVERY,
                "Wrong recovery code." if active else f"{user_id} has no active recovery code.",
                "invalid-recovery-code",
                code="invalid_recovery_code",
                status=403,
                event="gd_recovery_failed",
                message="Invalid recovery_code.",
                data={"tokens_left": spent.remaining},
            )
        enrollments_repo.use_recovery(self.store, active.id, now)
        new_code = codes.new_recovery_code()
        enrollments_repo.insert_recovery(
            self.store,
            user_id=user_id,
            enrollment_id=active.enrollment_id,
            code_hash=codes.hash_recovery_code(self.box.hash_key, new_code),
            state="active",
            now=now,
        )
        attempt.trail.allow(steps.RECOVERY, "Recovery code accepted; a new one replaces it.")
        attempt.trail.allow(steps.RESULT, "Second factor passed with a recovery code.")
        self.log_event(
            "gd_recovery_succeed",
            details={
                "authenticator": {"id": f"recovery-code|{active.id}", "type": "recovery-code"},
                "trail": attempt.trail.to_json(),
            },
            simulated=attempt.simulated,
            **attempt.fields(),
        )
        return RecoveryUsed(user_id=user_id, recovery_code=new_code, trail=tuple(attempt.trail))
