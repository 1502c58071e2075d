"""M-Pesa C2B (customer to business, paybill) as the operator speaks it.

The operator calls two URLs for each payment into the paybill: *validation* (may Thamani
accept it? the answer ``ResultCode`` is ``"0"`` or a ``C2B000xx`` code) and, once the
money has moved, *confirmation* (always acknowledged with ``ResultCode`` 0). Documents
carry amounts as major-unit strings (``"150.00"``), converted here exactly into minor
units; ``TransID`` is the idempotency key (see ``thamani.wallets.topups``).

The callbacks carry no bearer token: they are authenticated by a shared secret, sent in
the ``X-Callback-Token`` header or the ``token`` query parameter of the registered URL,
and compared in constant time. Outside development the secret must be configured
(``THAMANI_MPESA_CALLBACK_SECRET``); in development one is generated into the data dir.
"""

from __future__ import annotations

import enum
import hmac
import os
import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from thamani.config import Environment, Settings
from thamani.errors import ConfigurationError, InvalidInput, Unauthorized
from thamani.money import parse_amount
from thamani.wallets.service import Wallets
from thamani.wallets.topups import TopUp, TopUpRefusal, TopUpResult

#: Names of the payer the operator sends; Thamani does not keep them.
_NAMES = ("FirstName", "MiddleName", "LastName")


class ResultCode(enum.Enum):
    """M-Pesa's validation result codes."""

    ACCEPTED = "0"
    INVALID_MSISDN = "C2B00011"
    INVALID_ACCOUNT = "C2B00012"
    INVALID_AMOUNT = "C2B00013"
    INVALID_KYC = "C2B00014"
    INVALID_SHORTCODE = "C2B00015"
    OTHER_ERROR = "C2B00016"


_REFUSALS = {
    TopUpRefusal.UNKNOWN_ACCOUNT: ResultCode.INVALID_ACCOUNT,
    TopUpRefusal.WALLET_CLOSED: ResultCode.INVALID_ACCOUNT,
    TopUpRefusal.INVALID_AMOUNT: ResultCode.INVALID_AMOUNT,
}


class C2BDocument(BaseModel):
    """A validation or confirmation document (M-Pesa's field names)."""

    model_config = ConfigDict(extra="allow")

    TransactionType: str = ""
    TransID: str = Field(min_length=1, max_length=40)
    TransTime: str = ""
    TransAmount: str = Field(min_length=1, max_length=24)
    BusinessShortCode: str = Field(min_length=1, max_length=20)
    BillRefNumber: str = Field(default="", max_length=40)
    InvoiceNumber: str = ""
    OrgAccountBalance: str = ""
    ThirdPartyTransID: str = ""
    MSISDN: str = Field(default="", max_length=40)
    FirstName: str = ""
    MiddleName: str = ""
    LastName: str = ""


def answer(code: ResultCode, description: str | None = None) -> dict[str, Any]:
    """The validation answer document."""
    return {
        "ResultCode": code.value,
        "ResultDesc": description or ("Accepted" if code is ResultCode.ACCEPTED else "Rejected"),
    }


ACKNOWLEDGED: dict[str, Any] = {"ResultCode": 0, "ResultDesc": "Success"}
"""The confirmation acknowledgement (the operator stops retrying when it gets it)."""


def callback_secret(settings: Settings) -> str:
    """The shared secret callbacks must present.

    Configured: that. In development only: generated once into ``<data_dir>/mpesa-callback.secret``.
    Otherwise refused (``default_secret_refused``).
    """
    if settings.mpesa_callback_secret is not None:
        value = settings.mpesa_callback_secret.get_secret_value().strip()
        if value:
            return value
    if settings.environment is not Environment.DEVELOPMENT:
        raise ConfigurationError(
            "THAMANI_MPESA_CALLBACK_SECRET must be set outside development",
            code="default_secret_refused",
        )
    path = settings.data_dir / "mpesa-callback.secret"
    if path.exists():
        return path.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


class MpesaC2B:
    """Thamani's receiver of M-Pesa C2B callbacks (a ``C2BReceiver``)."""

    def __init__(self, wallets: Wallets, settings: Settings) -> None:
        self.wallets = wallets
        self.settings = settings
        self.shortcode = settings.mpesa_shortcode
        self.currency = settings.currency

    def authenticate(self, presented: str | None) -> None:
        """Refuse a callback that does not present the shared secret."""
        expected = callback_secret(self.settings)
        if not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
            raise Unauthorized(
                "the callback did not present the operator's shared secret",
                code="invalid_callback_token",
            )

    def _amount(self, doc: C2BDocument) -> int | None:
        try:
            return parse_amount(doc.TransAmount, self.currency)
        except InvalidInput:
            return None

    def validate(self, document: dict[str, Any]) -> dict[str, Any]:
        """May this payment be accepted? Unknown or closed accounts are refused."""
        try:
            doc = C2BDocument.model_validate(document)
        except ValidationError:
            return answer(ResultCode.OTHER_ERROR)
        if doc.BusinessShortCode.strip() != self.shortcode:
            return answer(ResultCode.INVALID_SHORTCODE)
        amount = self._amount(doc)
        if amount is None or amount <= 0:
            return answer(ResultCode.INVALID_AMOUNT)
        refusal = self.wallets.check_top_up(doc.BillRefNumber, amount)
        if refusal is not None:
            return answer(_REFUSALS[refusal])
        return answer(ResultCode.ACCEPTED)

    def receive(self, document: dict[str, Any]) -> TopUpResult:
        """Credit a confirmed payment (exactly once by ``TransID``) and keep its record."""
        try:
            doc = C2BDocument.model_validate(document)
        except ValidationError as e:
            first = e.errors()[0]
            where = "/" + "/".join(str(x) for x in first.get("loc", ()))
            raise InvalidInput(
                f"not an M-Pesa C2B confirmation: {first.get('msg')}", where=where
            ) from None
        if doc.BusinessShortCode.strip() != self.shortcode:
            raise InvalidInput(
                f"paybill {doc.BusinessShortCode} is not this platform's ({self.shortcode})",
                code="invalid_shortcode",
                where="/BusinessShortCode",
            )
        amount = parse_amount(doc.TransAmount, self.currency)
        kept = {k: str(v) for k, v in doc.model_dump().items() if k not in _NAMES}
        return self.wallets.credit_top_up(
            TopUp(
                trans_id=doc.TransID.strip(),
                shortcode=self.shortcode,
                phone=doc.MSISDN.strip(),
                account_ref=doc.BillRefNumber,
                amount=amount,
                currency=self.currency,
                payload=kept,
            )
        )

    def confirm(self, document: dict[str, Any]) -> dict[str, Any]:
        """The confirmation callback: credit, then acknowledge (replays too)."""
        self.receive(document)
        return dict(ACKNOWLEDGED)
