"""Money coming in: mobile-money top-ups and money sent to a relative's wallet.

A top-up names the wallet by its account reference (the wallet reference or the phone
number). The operator's transaction id is the idempotency key: the transfer id is derived
from it, so a replayed confirmation finds the transfer there (``exists``) and credits
nothing twice. Money paid from the wallet owner's own phone goes to savings; from another
phone, to the family account, with that phone kept as the source (``user_data_64`` and the
wallet entry). Operators that mask the payer's number (``2547*****126``) are taken as the
owner paying.
"""

from __future__ import annotations

import contextlib
import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import InvalidInput
from thamani.ledger.codes import TransferCode
from thamani.ledger.ids import derived_id, to_bytes
from thamani.ledger.records import BATCH_MAX, Transfer
from thamani.ledger.results import TransferResult
from thamani.money import currency as lookup_currency
from thamani.wallets import store
from thamani.wallets.accounts import account_id, savings_ledger
from thamani.wallets.context import WalletContext
from thamani.wallets.phones import normalise_phone, phone_number
from thamani.wallets.records import FundingSource, PatientProfile


class TopUpRefusal(enum.Enum):
    """Why a top-up would be refused at validation."""

    UNKNOWN_ACCOUNT = "unknown_account"
    WALLET_CLOSED = "wallet_closed"
    INVALID_AMOUNT = "invalid_amount"


class TopUpStatus(enum.Enum):
    """What became of a confirmed top-up."""

    CREDITED = "credited"
    DUPLICATE = "duplicate"
    """A replay of a transaction already credited: nothing moved now."""
    UNMATCHED = "unmatched"
    """No open wallet has that reference: the money is held for refund, nothing credited."""
    REFUSED = "refused"
    """The ledger refused (e.g. the same transaction id with a different amount)."""


@dataclass(frozen=True, slots=True)
class TopUp:
    """A confirmed mobile-money payment into the paybill.

    trans_id: the operator's transaction id (the idempotency key).
    shortcode: the paybill it was paid to.
    phone: the payer's number as the operator sent it (may be masked).
    account_ref: the account reference the payer typed (wallet reference or phone).
    amount: minor units.
    currency: ISO code.
    payload: the operator's document, less the payer's names, to keep as received.
    """

    trans_id: str
    shortcode: str
    phone: str
    account_ref: str
    amount: int
    currency: str
    payload: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TopUpResult:
    """The outcome of a confirmed top-up.

    trans_id: the operator's transaction id.
    status: ``TopUpStatus``.
    patient_party_id: whose wallet was credited (None when unmatched).
    source: savings or family.
    amount: minor units.
    transfer_id: the ledger transfer (None when nothing was credited).
    message: for people.
    """

    trans_id: str
    status: TopUpStatus
    patient_party_id: int | None
    source: FundingSource | None
    amount: int
    transfer_id: int | None
    message: str = ""


def _resolve(conn: Connection, reference: str) -> PatientProfile | None:
    ref = reference.strip()
    found = store.profile_by_reference(conn, ref.upper())
    if found is None:
        try:
            found = store.profile_by_reference(conn, normalise_phone(ref))
        except InvalidInput:
            return None
    return found


def check_top_up(ctx: WalletContext, account_ref: str, amount: int) -> TopUpRefusal | None:
    """Validation: would a top-up of ``amount`` into ``account_ref`` be accepted?"""
    if amount <= 0:
        return TopUpRefusal.INVALID_AMOUNT
    with read_transaction(ctx.engine) as conn:
        found = _resolve(conn, account_ref)
    if found is None:
        return TopUpRefusal.UNKNOWN_ACCOUNT
    if found.closed:
        return TopUpRefusal.WALLET_CLOSED
    return None


def top_up_transfer_id(shortcode: str, trans_id: str) -> int:
    return derived_id("thamani.mobile-money.c2b", shortcode, trans_id.strip().upper())


def _source_for(profile: PatientProfile, phone: str) -> tuple[FundingSource, str]:
    if "*" in phone or not phone.strip():
        return FundingSource.SAVINGS, phone.strip()
    try:
        number = normalise_phone(phone)
    except InvalidInput:
        return FundingSource.SAVINGS, phone.strip()  # hashed numbers: taken as the owner
    return (FundingSource.SAVINGS if number == profile.phone else FundingSource.FAMILY), number


def credit_top_up(ctx: WalletContext, t: TopUp) -> TopUpResult:
    """Credit a confirmed top-up exactly once, and keep the operator's record of it."""
    if t.amount <= 0:
        raise InvalidInput(f"top-up {t.trans_id} has amount {t.amount}", code="invalid_amount")
    cur = lookup_currency(t.currency).code
    tid = top_up_transfer_id(t.shortcode, t.trans_id)
    with read_transaction(ctx.engine) as conn:
        prior = store.callback(conn, t.trans_id)
        profile = _resolve(conn, t.account_ref)
    if prior is not None and prior.status in ("credited", "unmatched"):
        with write_transaction(ctx.engine) as conn:
            store.count_replay(conn, t.trans_id)
        status = TopUpStatus.DUPLICATE if prior.status == "credited" else TopUpStatus.UNMATCHED
        return TopUpResult(
            t.trans_id,
            status,
            prior.patient_party_id,
            None,
            prior.amount,
            tid if prior.status == "credited" else None,
            "already received",
        )
    if profile is None or profile.closed:
        why = "no wallet has that reference" if profile is None else "the wallet is closed"
        _record(ctx, t, cur, "unmatched", None, None)
        return TopUpResult(t.trans_id, TopUpStatus.UNMATCHED, None, None, t.amount, None, why)
    source, phone = _source_for(profile, t.phone)
    ledger, clearing = savings_ledger(ctx, cur)
    wallet = account_id("wallet", profile.party_id, source.value, 0, ledger)
    transfer = Transfer(
        tid,
        clearing,
        wallet,
        t.amount,
        ledger,
        int(TransferCode.TOP_UP),
        user_data_128=tid,
        user_data_64=phone_number(phone),
        user_data_32=source.number,
    )
    result = ctx.ledger.create_transfers([transfer])[0]
    if not result.recorded:
        _record(ctx, t, cur, "refused", profile.party_id, None)
        return TopUpResult(
            t.trans_id,
            TopUpStatus.REFUSED,
            profile.party_id,
            source,
            t.amount,
            None,
            f"the ledger refused the top-up: {result.value}",
        )
    _record(ctx, t, cur, "credited", profile.party_id, tid)
    with write_transaction(ctx.engine) as conn:
        store.insert_entries(
            conn,
            [store.Entry(tid, "top_up", profile.party_id, None, source, 0, phone, t.trans_id)],
            ctx.now(),
        )
    status = TopUpStatus.CREDITED if result is TransferResult.OK else TopUpStatus.DUPLICATE
    return TopUpResult(t.trans_id, status, profile.party_id, source, t.amount, tid)


def credit_top_ups(ctx: WalletContext, top_ups: Sequence[TopUp]) -> list[TopUpResult]:
    """Credit many confirmed top-ups at once; one result per top-up, in order.

    The batch path of ``credit_top_up`` (a bulk import of an operator's statement, the
    synthetic population's mobile-money payments): the same rules, a few statements for
    the whole batch. The transfers move in ledger batches, then the callbacks and wallet
    entries are written in one transaction; a batch cut short in between is credited
    again by a retry exactly once (the ledger answers ``exists``).
    """
    seen: set[str] = set()
    for n, t in enumerate(top_ups):
        if t.amount <= 0:
            raise InvalidInput(
                f"top-up {t.trans_id} has amount {t.amount}",
                code="invalid_amount",
                where=f"top_ups/{n}/amount",
            )
        if t.trans_id in seen:
            raise InvalidInput(
                f"transaction {t.trans_id} appears twice in the batch",
                code="duplicate_transaction",
                where=f"top_ups/{n}/trans_id",
            )
        seen.add(t.trans_id)
    keys: dict[int, list[str]] = {}
    for n, t in enumerate(top_ups):
        ref = t.account_ref.strip()
        keys[n] = [ref.upper()]
        with contextlib.suppress(InvalidInput):
            keys[n].append(normalise_phone(ref))
    with read_transaction(ctx.engine) as conn:
        prior = store.callbacks(conn, [t.trans_id for t in top_ups])
        found = store.profiles_by_references(conn, [k for ks in keys.values() for k in ks])
    by_ref = {p.wallet_ref: p for p in found}
    by_phone = {p.phone: p for p in found}
    results: dict[int, TopUpResult] = {}
    replays: list[str] = []
    unmatched: list[tuple[TopUp, str]] = []
    moving: list[tuple[int, TopUp, PatientProfile, FundingSource, str, Transfer]] = []
    ledgers: dict[str, tuple[int, int]] = {}
    for n, t in enumerate(top_ups):
        cur = lookup_currency(t.currency).code
        tid = top_up_transfer_id(t.shortcode, t.trans_id)
        before = prior.get(t.trans_id)
        if before is not None and before.status in ("credited", "unmatched"):
            replays.append(t.trans_id)
            credited = before.status == "credited"
            results[n] = TopUpResult(
                t.trans_id,
                TopUpStatus.DUPLICATE if credited else TopUpStatus.UNMATCHED,
                before.patient_party_id,
                None,
                before.amount,
                tid if credited else None,
                "already received",
            )
            continue
        profile = by_ref.get(keys[n][0]) or next(
            (by_phone[k] for k in keys[n][1:] if k in by_phone), None
        )
        if profile is None or profile.closed:
            why = "no wallet has that reference" if profile is None else "the wallet is closed"
            unmatched.append((t, cur))
            results[n] = TopUpResult(
                t.trans_id, TopUpStatus.UNMATCHED, None, None, t.amount, None, why
            )
            continue
        source, phone = _source_for(profile, t.phone)
        if cur not in ledgers:
            ledgers[cur] = savings_ledger(ctx, cur)
        ledger, clearing = ledgers[cur]
        wallet = account_id("wallet", profile.party_id, source.value, 0, ledger)
        transfer = Transfer(
            tid,
            clearing,
            wallet,
            t.amount,
            ledger,
            int(TransferCode.TOP_UP),
            user_data_128=tid,
            user_data_64=phone_number(phone),
            user_data_32=source.number,
        )
        moving.append((n, t, profile, source, phone, transfer))
    answers: list[TransferResult] = []
    for start in range(0, len(moving), BATCH_MAX):
        part = moving[start : start + BATCH_MAX]
        answers += ctx.ledger.create_transfers([m[5] for m in part])
    now = ctx.now()
    rows: list[dict[str, object]] = []
    entries: list[store.Entry] = []
    for (n, t, profile, source, phone, transfer), answer in zip(moving, answers, strict=True):
        cur = lookup_currency(t.currency).code
        if not answer.recorded:
            rows.append(_callback_row(t, cur, "refused", profile.party_id, None, now))
            results[n] = TopUpResult(
                t.trans_id,
                TopUpStatus.REFUSED,
                profile.party_id,
                source,
                t.amount,
                None,
                f"the ledger refused the top-up: {answer.value}",
            )
            continue
        rows.append(_callback_row(t, cur, "credited", profile.party_id, transfer.id, now))
        entries.append(
            store.Entry(transfer.id, "top_up", profile.party_id, None, source, 0, phone, t.trans_id)
        )
        status = TopUpStatus.CREDITED if answer is TransferResult.OK else TopUpStatus.DUPLICATE
        results[n] = TopUpResult(
            t.trans_id, status, profile.party_id, source, t.amount, transfer.id
        )
    rows.extend(_callback_row(t, cur, "unmatched", None, None, now) for t, cur in unmatched)
    with write_transaction(ctx.engine) as conn:
        # A callback row left by an earlier attempt (refused) is counted as a replay.
        again = store.callbacks(conn, [str(r["trans_id"]) for r in rows])
        store.insert_callbacks(conn, [r for r in rows if r["trans_id"] not in again])
        store.count_replays(conn, [*replays, *again])
        store.insert_entries(conn, entries, now)
    return [results[n] for n in range(len(top_ups))]


def _callback_row(
    t: TopUp, cur: str, status: str, patient_id: int | None, transfer: int | None, now: int
) -> dict[str, object]:
    return {
        "trans_id": t.trans_id,
        "shortcode": t.shortcode,
        "phone": t.phone[:40],
        "account_ref": t.account_ref[:40],
        "amount": t.amount,
        "currency": cur,
        "status": status,
        "patient_party_id": patient_id,
        "transfer_id": to_bytes(transfer) if transfer else None,
        "payload": json.dumps(dict(t.payload), sort_keys=True),
        "received_at": now,
        "replays": 0,
    }


def _record(
    ctx: WalletContext,
    t: TopUp,
    cur: str,
    status: str,
    patient_id: int | None,
    transfer: int | None,
) -> None:
    values = {
        "trans_id": t.trans_id,
        "shortcode": t.shortcode,
        "phone": t.phone[:40],
        "account_ref": t.account_ref[:40],
        "amount": t.amount,
        "currency": cur,
        "status": status,
        "patient_party_id": patient_id,
        "transfer_id": to_bytes(transfer) if transfer else None,
        "payload": json.dumps(dict(t.payload), sort_keys=True),
        "received_at": ctx.now(),
        "replays": 0,
    }
    try:
        with write_transaction(ctx.engine) as conn:
            if store.callback(conn, t.trans_id) is None:
                store.insert_callback(conn, values)
            else:
                store.count_replay(conn, t.trans_id)
    except SQLIntegrityError:  # recorded by a concurrent replay: count this one
        with write_transaction(ctx.engine) as conn:
            store.count_replay(conn, t.trans_id)


# -- sending to a relative ------------------------------------------------------------


class SendStatus(enum.Enum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class SendResult:
    """The outcome of sending money to a relative's wallet.

    status: ``SendStatus``.
    amount: minor units.
    recipient_party_id: whose family account was credited (None when unknown).
    recipient_name: for the sender to confirm.
    transfer_id: the ledger transfer (None when refused).
    code: the refusal's stable code ('' when sent).
    message: for people.
    """

    status: SendStatus
    amount: int
    recipient_party_id: int | None
    recipient_name: str
    transfer_id: int | None
    code: str = ""
    message: str = ""


def send_to_relative(
    ctx: WalletContext,
    sender_id: int,
    recipient_ref: str,
    amount: int,
    send_id: str,
    *,
    currency: str | None = None,
) -> SendResult:
    """Move ``amount`` from the sender's savings to the recipient's family account.

    ``send_id`` is the sender's idempotency key: the same id sends once. The sender's phone
    is kept as the source on the transfer (``user_data_64``) and on the statement.
    """
    if amount <= 0:
        raise InvalidInput("an amount to send must be positive", where="amount")
    if not send_id.strip():
        raise InvalidInput("a send needs an idempotency key", where="send_id")
    cur = lookup_currency(currency or ctx.settings.currency).code
    with read_transaction(ctx.engine) as conn:
        sender = store.profiles(conn, [sender_id]).get(sender_id)
        recipient = _resolve(conn, recipient_ref)
        names = store.party_names(conn, [recipient.party_id] if recipient else [])
    if sender is None:
        raise InvalidInput(f"patient {sender_id} has no wallet", code="wallet_not_found")
    if recipient is None:
        return SendResult(
            SendStatus.REFUSED,
            amount,
            None,
            "",
            None,
            "unknown_recipient",
            f"no wallet has the reference {recipient_ref!r}",
        )
    name = names.get(recipient.party_id, "")
    if recipient.party_id == sender_id:
        raise InvalidInput("send to a relative, not to yourself", where="recipient")
    if recipient.closed:
        return SendResult(
            SendStatus.REFUSED,
            amount,
            recipient.party_id,
            name,
            None,
            "wallet_closed",
            "the recipient's wallet is closed",
        )
    ledger, _ = savings_ledger(ctx, cur)
    tid = derived_id("thamani.wallets.send", sender_id, send_id.strip())
    transfer = Transfer(
        tid,
        account_id("wallet", sender_id, FundingSource.SAVINGS.value, 0, ledger),
        account_id("wallet", recipient.party_id, FundingSource.FAMILY.value, 0, ledger),
        amount,
        ledger,
        int(TransferCode.SEND_TO_RELATIVE),
        user_data_128=tid,
        user_data_64=phone_number(sender.phone),
        user_data_32=FundingSource.FAMILY.number,
    )
    with write_transaction(ctx.engine) as conn:
        store.insert_entries(
            conn,
            [
                store.Entry(
                    tid,
                    "send",
                    recipient.party_id,
                    sender_id,
                    FundingSource.FAMILY,
                    0,
                    sender.phone,
                    send_id.strip()[:64],
                )
            ],
            ctx.now(),
        )
    result = ctx.ledger.create_transfers([transfer])[0]
    if result is TransferResult.OK:
        return SendResult(SendStatus.SENT, amount, recipient.party_id, name, tid)
    if result is TransferResult.EXISTS:
        return SendResult(SendStatus.DUPLICATE, amount, recipient.party_id, name, tid)
    code = "insufficient_funds" if result is TransferResult.EXCEEDS_CREDITS else result.value
    return SendResult(
        SendStatus.REFUSED,
        amount,
        recipient.party_id,
        name,
        None,
        code,
        "your savings do not hold that much"
        if result is TransferResult.EXCEEDS_CREDITS
        else f"the ledger refused: {result.value}",
    )
