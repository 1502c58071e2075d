"""The data pool over HTTP: published aggregates only, small numbers withheld."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query

from thamani.api.deps import platform, require
from thamani.api.schemas.pool import DiseaseMapOut
from thamani.parties.records import Actor, Scope
from thamani.platform import Platform

router = APIRouter(prefix="/pool", tags=["pool"])


@router.get("/disease-map", response_model=DiseaseMapOut)
def disease_map(
    p: Platform = Depends(platform),
    _who: Actor = Depends(require(Scope.POOL_READ)),
    since: date | None = Query(default=None, description="First encounter day (inclusive)."),
    until: date | None = Query(default=None, description="Last encounter day (inclusive)."),
    programme: str | None = Query(default=None, max_length=200),
    code_length: int = Query(default=3, ge=1, le=7, description="3: ICD-10 categories."),
) -> DiseaseMapOut:
    """Encounters per diagnosis, area and ISO week; counts under 5 are withheld, and so is
    a complementary cell wherever the row total would give a withheld one back."""
    return DiseaseMapOut.of(
        p.pool.disease_map(since=since, until=until, programme=programme, code_length=code_length)
    )
