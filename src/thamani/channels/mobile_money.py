"""The mobile-money operator as Thamani talks to it, and an in-memory fake of it.

``MobileMoneyGateway`` is what Thamani asks of an operator (disburse provider payouts).
``C2BReceiver`` is what the operator calls on Thamani (validate, then confirm a customer's
paybill payment): ``thamani.channels.mpesa.MpesaC2B`` is the real receiver. ``FakeOperator``
plays the operator in tests, the CLI's ``topup-simulate`` and the demo: it builds the same
JSON documents M-Pesa sends, so the wire format is exercised end to end.
"""

from __future__ import annotations

import itertools
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Disbursement:
    """Money to send out to a phone (a provider's mobile-money payout).

    reference: Thamani's idempotency key for it (the payout transfer's id).
    phone: the receiving number.
    amount: minor units.
    currency: ISO code.
    remarks: shown to the receiver.
    """

    reference: str
    phone: str
    amount: int
    currency: str
    remarks: str = ""


@dataclass(frozen=True, slots=True)
class DisbursementReceipt:
    """The operator's answer to one disbursement.

    reference: Thamani's reference, echoed.
    accepted: whether the operator took it.
    operator_id: the operator's own id for it.
    message: the operator's words.
    """

    reference: str
    accepted: bool
    operator_id: str
    message: str = ""


class MobileMoneyGateway(Protocol):
    """An operator Thamani can send money out through."""

    def disburse(self, orders: Sequence[Disbursement]) -> list[DisbursementReceipt]: ...


class C2BReceiver(Protocol):
    """Thamani's side of customer-to-business payments (the operator calls it)."""

    def validate(self, document: dict[str, Any]) -> dict[str, Any]: ...

    def confirm(self, document: dict[str, Any]) -> dict[str, Any]: ...


#: East Africa Time, in which M-Pesa writes ``TransTime``.
EAT = timedelta(hours=3)


@dataclass(slots=True)
class FakeOperator:
    """An in-memory operator: disbursements are recorded (once per reference) and customers
    can be made to pay the paybill, with validation, confirmation and replays.

    shortcode: the paybill number it sends in ``BusinessShortCode``.
    disbursed: every accepted disbursement, by reference.
    confirmations: every confirmation document it sent, by transaction id.
    """

    shortcode: str = "600000"
    disbursed: dict[str, Disbursement] = field(default_factory=dict)
    confirmations: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def disburse(self, orders: Sequence[Disbursement]) -> list[DisbursementReceipt]:
        out = []
        for o in orders:
            if o.reference not in self.disbursed:
                self.disbursed[o.reference] = o
            out.append(
                DisbursementReceipt(o.reference, True, f"FAKE{next(self._ids):08d}", "accepted")
            )
        return out

    def transaction_id(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return "S" + "".join(secrets.choice(alphabet) for _ in range(9))

    def document(
        self,
        *,
        phone: str,
        amount: str,
        account_ref: str,
        trans_id: str,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """A C2B document as M-Pesa sends it (amounts are major-unit strings)."""
        when = (at or datetime.now(UTC)).astimezone(UTC) + EAT
        return {
            "TransactionType": "Pay Bill",
            "TransID": trans_id,
            "TransTime": when.strftime("%Y%m%d%H%M%S"),
            "TransAmount": amount,
            "BusinessShortCode": self.shortcode,
            "BillRefNumber": account_ref,
            "InvoiceNumber": "",
            "OrgAccountBalance": "",
            "ThirdPartyTransID": "",
            "MSISDN": phone,
            "FirstName": "John",
            "MiddleName": "",
            "LastName": "Doe",
        }

    def pay_bill(
        self,
        receiver: C2BReceiver,
        *,
        phone: str,
        amount: str,
        account_ref: str,
        trans_id: str | None = None,
        at: datetime | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """A customer pays: validation first; confirmation only if it was accepted.

        Returns (validation answer, confirmation answer or None).
        """
        doc = self.document(
            phone=phone,
            amount=amount,
            account_ref=account_ref,
            trans_id=trans_id or self.transaction_id(),
            at=at,
        )
        answer = receiver.validate(dict(doc))
        if str(answer.get("ResultCode")) != "0":
            return answer, None
        self.confirmations[doc["TransID"]] = doc
        return answer, receiver.confirm(dict(doc))

    def replay(self, receiver: C2BReceiver, trans_id: str) -> dict[str, Any]:
        """Send a confirmation again, as operators do when they miss the acknowledgement."""
        return receiver.confirm(dict(self.confirmations[trans_id]))
