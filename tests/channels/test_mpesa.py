"""M-Pesa C2B top-ups through the wire format, driven by the in-memory operator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from thamani.channels.mobile_money import FakeOperator
from thamani.channels.mpesa import MpesaC2B, callback_secret
from thamani.config import Environment, Settings
from thamani.errors import ConfigurationError, InvalidInput, Unauthorized
from thamani.ledger.ids import new_id
from thamani.parties.records import Party, PartyKind
from thamani.platform import Platform
from thamani.wallets.records import FundingSource
from thamani.wallets.topups import TopUpStatus


def patient(p: Platform, phone: str, name: str = "Akinyi Odhiambo") -> Party:
    party = p.parties.create(PartyKind.PATIENT, name, f"pt-{new_id() % 10**9}")
    p.wallets.open_wallet(
        party.id, phone=phone, birth_date=date(1995, 1, 1), sex="female", area="Kisumu"
    )
    return party


def balances(p: Platform, party: Party) -> dict[FundingSource, int]:
    return {s.source: s.balance for s in p.wallets.sources(party.id)}


def test_a_top_up_is_validated_then_credited(platform: Platform) -> None:
    mother = patient(platform, "0712345678")
    ref = platform.wallets.profile(mother.id).wallet_ref
    operator = FakeOperator(platform.settings.mpesa_shortcode)
    ok, ack = operator.pay_bill(
        platform.mpesa,
        phone="254712345678",
        amount="150.00",
        account_ref=ref,
        trans_id="SKL1AB2CD3",
    )
    assert ok == {"ResultCode": "0", "ResultDesc": "Accepted"}
    assert ack == {"ResultCode": 0, "ResultDesc": "Success"}
    assert balances(platform, mother)[FundingSource.SAVINGS] == 15_000
    # The phone number works as the account reference too.
    operator.pay_bill(platform.mpesa, phone="254712345678", amount="0.50", account_ref="0712345678")
    assert balances(platform, mother)[FundingSource.SAVINGS] == 15_050


def test_a_replayed_confirmation_credits_once(platform: Platform) -> None:
    mother = patient(platform, "0712345678")
    operator = FakeOperator(platform.settings.mpesa_shortcode)
    operator.pay_bill(
        platform.mpesa,
        phone="254712345678",
        amount="1500",
        account_ref="0712345678",
        trans_id="SKL1AB2CD4",
    )
    head = platform.ledger.head()
    for _ in range(3):
        assert operator.replay(platform.mpesa, "SKL1AB2CD4") == {
            "ResultCode": 0,
            "ResultDesc": "Success",
        }
    again = platform.mpesa.receive(operator.confirmations["SKL1AB2CD4"])
    assert again.status is TopUpStatus.DUPLICATE
    assert balances(platform, mother)[FundingSource.SAVINGS] == 150_000
    assert platform.ledger.head() == head
    assert platform.verify_ledger().ok


def test_validation_refuses_an_unknown_or_closed_account_and_bad_amounts(
    platform: Platform,
) -> None:
    mother = patient(platform, "0712345678")
    operator = FakeOperator(platform.settings.mpesa_shortcode)
    unknown, ack = operator.pay_bill(
        platform.mpesa, phone="254712345678", amount="100", account_ref="TH999999"
    )
    assert unknown == {"ResultCode": "C2B00012", "ResultDesc": "Rejected"}
    assert ack is None
    bad, _ = operator.pay_bill(
        platform.mpesa, phone="254712345678", amount="10.005", account_ref="0712345678"
    )
    assert bad["ResultCode"] == "C2B00013"
    zero, _ = operator.pay_bill(
        platform.mpesa, phone="254712345678", amount="0", account_ref="0712345678"
    )
    assert zero["ResultCode"] == "C2B00013"
    elsewhere = FakeOperator("123456").pay_bill(
        platform.mpesa, phone="254712345678", amount="100", account_ref="0712345678"
    )[0]
    assert elsewhere["ResultCode"] == "C2B00015"
    platform.wallets.close_wallet(mother.id)
    closed, _ = operator.pay_bill(
        platform.mpesa, phone="254712345678", amount="100", account_ref="0712345678"
    )
    assert closed["ResultCode"] == "C2B00012"
    assert platform.mpesa.validate({"TransID": "X"})["ResultCode"] == "C2B00016"
    assert balances(platform, mother)[FundingSource.SAVINGS] == 0


def test_money_from_another_phone_is_family_money_with_the_phone_kept(
    platform: Platform,
) -> None:
    mother = patient(platform, "0712345678")
    operator = FakeOperator(platform.settings.mpesa_shortcode)
    operator.pay_bill(
        platform.mpesa,
        phone="254733999888",
        amount="300",
        account_ref="0712345678",
        trans_id="SKL1AB2CD5",
    )
    assert balances(platform, mother)[FundingSource.FAMILY] == 30_000
    st = platform.wallets.statement(mother.id)
    line = next(x for x in st.lines if x.kind == "top_up")
    assert (line.source, line.phone, line.reference) == (
        FundingSource.FAMILY,
        "254733999888",
        "SKL1AB2CD5",
    )
    t = platform.ledger.transfers([line.transfer_id])[0]
    assert t.user_data_64 == 254733999888


def test_a_confirmation_for_no_wallet_is_held_not_credited(platform: Platform) -> None:
    operator = FakeOperator(platform.settings.mpesa_shortcode)
    doc = operator.document(
        phone="254712345678", amount="100", account_ref="NOBODY", trans_id="SKL1AB2CD6"
    )
    result = platform.mpesa.receive(doc)
    assert result.status is TopUpStatus.UNMATCHED
    assert result.transfer_id is None
    assert platform.mpesa.receive(doc).status is TopUpStatus.UNMATCHED
    with pytest.raises(InvalidInput):
        platform.mpesa.receive({"TransID": "SKL1AB2CD7"})


def test_callbacks_need_the_shared_secret(tmp_path: Path) -> None:
    dev = Settings(data_dir=tmp_path / "dev")
    generated = callback_secret(dev)
    assert generated == callback_secret(dev)  # kept in the data dir
    test = Settings(environment=Environment.TEST, data_dir=tmp_path / "test")
    with pytest.raises(ConfigurationError) as refused:
        callback_secret(test)
    assert refused.value.code == "default_secret_refused"
    configured = Settings(
        environment=Environment.TEST, data_dir=tmp_path, mpesa_callback_secret="s3cret-token-42"
    )
    receiver = MpesaC2B(None, configured)  # type: ignore[arg-type]
    receiver.authenticate("s3cret-token-42")
    for wrong in (None, "", "s3cret-token-43"):
        with pytest.raises(Unauthorized):
            receiver.authenticate(wrong)
    production = Settings(
        environment=Environment.PRODUCTION,
        data_dir=tmp_path,
        signing_key="A" * 43 + "=",
        pseudonym_key="p" * 32,
    )
    with pytest.raises(ConfigurationError, match="THAMANI_MPESA_CALLBACK_SECRET"):
        production.check()
