"""What a load did: counts of what was loaded, claims by outcome and reason, money by payer.

``Tallies`` is the load's running count (kept in the load journal between batches, so an
interrupted load carries on counting where it stopped); ``LoadSummary`` is the finished
account, with the programmes' funds as the ledger holds them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from thamani.claims.reasons import FLAG_SUMMARIES, SUMMARIES, Flag, Reason
from thamani.claims.records import Claim, ClaimStatus
from thamani.money import format_amount
from thamani.wallets.results import PaymentResult, PaymentStatus
from thamani.wallets.topups import TopUpResult, TopUpStatus


def _bump(counter: dict[str, int], key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n


@dataclass(slots=True)
class Tallies:
    """A load's running counts (working state; amounts in minor units).

    loaded: what was stored, by kind (providers, payers, patients, wallets, members,
        enrolments, referrals, referrals_closed, cover_ended, areas, facilities,
        activity_rows, activity_minutes, ...).
    claims: claims by outcome (submitted, paid, rejected, in_review, unsettled).
    rejections: rejected claims by their first reason.
    line_reasons: lines rejected or paid in part on claims that were not rejected.
    flags: review flags of claims waiting in review.
    programmes: per programme code: name, kind, funded, claims, paid_claims, paid (the
        programme's part of paid claims), member (the members' part of them).
    top_ups: count, amount and refused of the mobile-money top-ups.
    own_money: the patients' own money: co-pays from wallets and at the desk, out-of-pocket
        care from wallets (payments, amount) and at the desk (encounters, amount).
    refusals: wallet payments and claim settlements refused, by code.
    seconds: wall time per stage.
    claims_seconds: wall time inside the claims room's batch path.
    batches: batches of care loaded.
    """

    loaded: dict[str, int] = field(default_factory=dict)
    claims: dict[str, int] = field(default_factory=dict)
    rejections: dict[str, int] = field(default_factory=dict)
    line_reasons: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    programmes: dict[str, dict[str, Any]] = field(default_factory=dict)
    top_ups: dict[str, int] = field(default_factory=dict)
    own_money: dict[str, int] = field(default_factory=dict)
    refusals: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    claims_seconds: float = 0.0
    batches: int = 0

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> Tallies:
        return cls(**json.loads(text)) if text else cls()

    def count(self, key: str, n: int) -> None:
        _bump(self.loaded, key, n)

    def time(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + seconds, 3)

    def add_claims(self, claims: Sequence[Claim], wallet: Sequence[bool]) -> None:
        """Count claims by outcome, reason and programme; ``wallet`` says whether each
        member pays co-pays from a wallet (else at the desk)."""
        for c, w in zip(claims, wallet, strict=True):
            _bump(self.claims, "submitted")
            prog = self.programmes.setdefault(c.programme_code, {})
            _bump(prog, "claims")
            status = c.status
            if status is ClaimStatus.PAID:
                _bump(self.claims, "paid")
                _bump(prog, "paid_claims")
                _bump(prog, "paid", c.payer)
                _bump(prog, "member", c.member_pays)
                _bump(self.own_money, "co_pay_wallet" if w else "co_pay_desk", c.member_pays)
            elif status is ClaimStatus.REJECTED:
                _bump(self.claims, "rejected")
                reasons = c.reasons
                _bump(self.rejections, reasons[0].code if reasons else "unknown")
                continue
            elif status is ClaimStatus.IN_REVIEW:
                _bump(self.claims, "in_review")
                for f in c.flags:
                    _bump(self.flags, f.code)
            else:
                _bump(self.claims, "unsettled")
                _bump(self.refusals, f"claim:{c.settlement or status.label}")
            for x in c.lines:
                if x.reason:
                    _bump(self.line_reasons, x.reason)

    def add_payments(self, results: Sequence[PaymentResult]) -> None:
        """Count out-of-pocket payments from wallets."""
        for r in results:
            if r.status is PaymentStatus.PAID:
                _bump(self.own_money, "care_wallet_payments")
                _bump(self.own_money, "care_wallet", r.total)
            else:
                _bump(self.own_money, "care_refused")
                _bump(self.refusals, f"payment:{r.refusal.code if r.refusal else r.status.value}")

    def add_desk(self, encounters: int, amount: int) -> None:
        """Out-of-pocket care of households without a wallet: paid in cash."""
        _bump(self.own_money, "care_desk_encounters", encounters)
        _bump(self.own_money, "care_desk", amount)

    def add_top_ups(self, results: Sequence[TopUpResult]) -> None:
        for r in results:
            if r.status in (TopUpStatus.CREDITED, TopUpStatus.DUPLICATE):
                _bump(self.top_ups, "count")
                _bump(self.top_ups, "amount", r.amount)
            else:
                _bump(self.top_ups, "refused")
                _bump(self.refusals, f"top_up:{r.status.value}")


@dataclass(frozen=True, slots=True)
class FundFigures:
    """A programme's fund as the ledger holds it after the load.

    code: the programme's code.
    funded: money put into the fund by its funder.
    balance: what the fund holds now.
    paid: what left the fund (funded less balance): the programme's part of paid claims.
    """

    code: str
    funded: int
    balance: int
    paid: int


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What a load stored and what was paid.

    region, seed, people, years, start_date, end_date, currency: the region.
    fingerprint: the region's fingerprint (the load journal's key).
    already_loaded: the store held this region already; nothing was loaded now.
    resumed: an interrupted load of this region was carried on.
    tallies: the counts (see ``Tallies``).
    funds: each programme's fund on the ledger.
    seconds: wall time of this call.
    generate_seconds: time spent generating the region first (0 when given one).
    """

    region: str
    seed: int
    people: int
    years: int
    start_date: str
    end_date: str
    currency: str
    fingerprint: str
    already_loaded: bool
    resumed: bool
    tallies: Tallies
    funds: tuple[FundFigures, ...]
    seconds: float
    generate_seconds: float = 0.0

    @property
    def claims_per_second(self) -> float:
        t = self.tallies
        n = t.claims.get("submitted", 0)
        return n / t.claims_seconds if t.claims_seconds > 0 else 0.0

    @property
    def own_money_total(self) -> int:
        o = self.tallies.own_money
        return sum(
            o.get(k, 0) for k in ("co_pay_wallet", "co_pay_desk", "care_wallet", "care_desk")
        )

    def contents(self) -> dict[str, Any]:
        """What the load stored and paid, without timings: equal for equal loads."""
        t = self.tallies
        return {
            "region": self.region,
            "seed": self.seed,
            "people": self.people,
            "years": self.years,
            "loaded": dict(sorted(t.loaded.items())),
            "claims": dict(sorted(t.claims.items())),
            "rejections": dict(sorted(t.rejections.items())),
            "line_reasons": dict(sorted(t.line_reasons.items())),
            "flags": dict(sorted(t.flags.items())),
            "programmes": {k: dict(sorted(v.items())) for k, v in sorted(t.programmes.items())},
            "top_ups": dict(sorted(t.top_ups.items())),
            "own_money": dict(sorted(t.own_money.items())),
            "refusals": dict(sorted(t.refusals.items())),
            "funds": [asdict(f) for f in self.funds],
        }

    def as_report(self) -> dict[str, Any]:
        """The JSON document ``thamani synth --json`` prints."""
        t = self.tallies
        return {
            **self.contents(),
            "start_date": self.start_date,
            "end_date": self.end_date,
            "currency": self.currency,
            "fingerprint": self.fingerprint,
            "already_loaded": self.already_loaded,
            "resumed": self.resumed,
            "batches": t.batches,
            "out_of_pocket": self.own_money_total,
            "seconds": round(self.seconds, 3),
            "generate_seconds": round(self.generate_seconds, 3),
            "stage_seconds": dict(t.seconds),
            "claims_seconds": round(t.claims_seconds, 3),
            "claims_per_second": round(self.claims_per_second, 1),
        }

    def _money(self, minor: int) -> str:
        return format_amount(minor, self.currency)

    def lines(self) -> list[str]:
        """The account for people, a sentence a line."""
        t, n = self.tallies, self.tallies.loaded
        c = t.claims
        o = t.own_money
        out = []
        if self.already_loaded:
            out.append("the store holds this region already: nothing was loaded again")
        elif self.resumed:
            out.append("an interrupted load of this region was carried on")
        out.append(
            f"{n.get('patients', 0):,} people ({n.get('members', 0):,} programme members,"
            f" {n.get('enrolments', 0):,} enrolments), {n.get('wallets', 0):,} household"
            f" wallets, {n.get('providers', 0):,} facilities, {n.get('programmes', 0)}"
            " programmes"
        )
        if n.get("facilities"):
            out.append(
                f"{n.get('areas', 0):,} areas and {n.get('facilities', 0):,} facilities' staff,"
                f" capacity and hidden quality and cost profile; {n.get('activity_minutes', 0):,}"
                f" staff minutes on {n.get('activity_rows', 0):,} activity rows"
            )
        out.append(
            f"{c.get('submitted', 0):,} claims: {c.get('paid', 0):,} paid,"
            f" {c.get('rejected', 0):,} rejected, {c.get('in_review', 0):,} in review"
            + (f", {c.get('unsettled', 0):,} not settled" if c.get("unsettled") else "")
            + (
                f" ({self.claims_per_second:,.0f} claims/s)"
                if t.claims_seconds and not self.already_loaded
                else ""
            )
        )
        if t.rejections:
            out.append("rejected because: " + _top(t.rejections, SUMMARIES, Reason))
        if t.flags:
            out.append("in review because: " + _top(t.flags, FLAG_SUMMARIES, Flag))
        paid = sum(int(p.get("paid", 0)) for p in t.programmes.values())
        out.append(
            f"programmes paid {self._money(paid)}; patients paid"
            f" {self._money(self.own_money_total)} of their own money"
            f" ({self._money(o.get('care_wallet', 0) + o.get('co_pay_wallet', 0))} from"
            f" their wallets, topped up {t.top_ups.get('count', 0):,} times with"
            f" {self._money(t.top_ups.get('amount', 0))};"
            f" {self._money(o.get('care_desk', 0) + o.get('co_pay_desk', 0))} in cash)"
        )
        if n.get("clinical_encounters"):
            out.append(
                f"clinical record: {n.get('clinical_encounters', 0):,} encounters,"
                f" {n.get('clinical_observations', 0):,} results, vital signs and PROM answers"
                f" ({n.get('prom_responses', 0):,} PROMs), {n.get('clinical_conditions', 0):,}"
                " chronic conditions"
            )
        out.append(
            f"{n.get('referrals', 0):,} referrals on specialist waiting lists;"
            f" {n.get('deaths', 0):,} deaths ended {n.get('cover_ended', 0):,} enrolments"
            f" and took {n.get('referrals_closed', 0):,} people off the lists"
        )
        if t.refusals:
            out.append("refused: " + ", ".join(f"{k} {v:,}" for k, v in sorted(t.refusals.items())))
        return out

    def money_table(self) -> list[list[str]]:
        """Claims and money by programme, then out of pocket (the first row is the header)."""
        t = self.tallies
        rows = [["paid by", "claims", "paid", "programme paid", "members paid"]]
        for f in self.funds:
            p = t.programmes.get(f.code, {})
            rows.append(
                [
                    str(p.get("name", f.code)),
                    f"{int(p.get('claims', 0)):,}",
                    f"{int(p.get('paid_claims', 0)):,}",
                    self._money(int(p.get("paid", 0))),
                    self._money(int(p.get("member", 0))),
                ]
            )
        o = t.own_money
        care = o.get("care_wallet_payments", 0) + o.get("care_desk_encounters", 0)
        rows.append(
            [
                "out of pocket",
                f"{care:,} visits",
                f"{care - o.get('care_refused', 0):,}",
                "-",
                self._money(o.get("care_wallet", 0) + o.get("care_desk", 0)),
            ]
        )
        return rows


def _top(counts: dict[str, int], summaries: Any, kind: Any, n: int = 3) -> str:
    """The most frequent codes with their counts and what they mean."""
    best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    parts = []
    for code, count in best:
        try:
            what = summaries[kind(code)]
        except (ValueError, KeyError):
            what = code
        parts.append(f"{code} {count:,} ({what})")
    return "; ".join(parts)
