"""Accounts and transfers as documents: JSON from the API, files given to the CLI.

Pydantic reads them at the edge; the ledger's core takes the records they produce. Ids
are accepted as integers, decimal strings, 0x-hex or UUIDs; flags as lists of names or an
integer bit set; amounts as integers in minor units.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from thamani.errors import InvalidInput
from thamani.ledger.ids import parse_id
from thamani.ledger.records import Account, AccountFlags, Transfer, TransferFlags


def _id(value: Any) -> int:
    try:
        return parse_id(value)
    except InvalidInput as e:
        raise ValueError(e.message) from None


Id = Annotated[int, BeforeValidator(_id)]


def _flags(enum: type[AccountFlags] | type[TransferFlags]) -> Any:
    def parse(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            value = [v for v in value.replace(",", " ").split() if v]
        if isinstance(value, list):
            out = 0
            for name in value:
                try:
                    out |= int(enum[str(name).upper()])
                except KeyError:
                    known = ", ".join(str(m.name).lower() for m in enum if m.value)
                    raise ValueError(f"unknown flag {name!r}; known: {known}") from None
            return out
        raise ValueError("flags must be a list of names or an integer")

    return BeforeValidator(parse)


def flag_names(enum: type[AccountFlags] | type[TransferFlags], value: int) -> list[str]:
    return [m.name.lower() for m in enum if m.value and m.name and value & m.value]


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Id
    ledger: int = Field(ge=0, lt=2**32)
    code: int = Field(ge=0, lt=2**16)
    flags: Annotated[int, _flags(AccountFlags)] = 0
    user_data_128: Id = 0
    user_data_64: int = Field(default=0, ge=0, lt=2**63)
    user_data_32: int = Field(default=0, ge=0, lt=2**32)
    owner_party_id: int | None = Field(default=None, description="Defaults to the caller.")
    sponsor_party_id: int | None = None

    def record(self, default_owner: int | None) -> Account:
        return Account(
            id=self.id,
            ledger=self.ledger,
            code=self.code,
            flags=self.flags,
            user_data_128=self.user_data_128,
            user_data_64=self.user_data_64,
            user_data_32=self.user_data_32,
            owner_party_id=self.owner_party_id
            if self.owner_party_id is not None
            else default_owner,
            sponsor_party_id=self.sponsor_party_id,
        )


class AccountsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accounts: list[AccountIn] = Field(min_length=1, max_length=8190)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Id
    debit_account_id: Id = 0
    credit_account_id: Id = 0
    amount: int = Field(default=0, ge=0, lt=2**63, description="Minor units.")
    ledger: int = Field(default=0, ge=0, lt=2**32)
    code: int = Field(default=0, ge=0, lt=2**16)
    flags: Annotated[int, _flags(TransferFlags)] = 0
    pending_id: Id = 0
    timeout: int = Field(default=0, ge=0, lt=2**32, description="Seconds (pending only).")
    user_data_128: Id = 0
    user_data_64: int = Field(default=0, ge=0, lt=2**63)
    user_data_32: int = Field(default=0, ge=0, lt=2**32)

    def record(self) -> Transfer:
        return Transfer(
            self.id,
            self.debit_account_id,
            self.credit_account_id,
            self.amount,
            self.ledger,
            self.code,
            self.flags,
            self.pending_id,
            self.timeout,
            self.user_data_128,
            self.user_data_64,
            self.user_data_32,
        )


class TransfersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    transfers: list[TransferIn] = Field(min_length=1, max_length=8190)
