"""Schemas of the pool API: aggregates only, withheld counts as null."""

from __future__ import annotations

from pydantic import BaseModel, Field

from thamani.pool.records import DiseaseMap


class MapCellOut(BaseModel):
    week: str = Field(description="ISO week, e.g. 2025-W07.")
    area: str
    diagnosis: str
    count: int | None = Field(description="Encounters; null when withheld.")
    suppressed: str | None = Field(description="small_number or complementary")


class MapTotalOut(BaseModel):
    week: str
    diagnosis: str
    count: int | None
    suppressed: str | None


class DiseaseMapOut(BaseModel):
    threshold: int
    code_length: int
    cells: list[MapCellOut]
    totals: list[MapTotalOut]

    @classmethod
    def of(cls, m: DiseaseMap) -> DiseaseMapOut:
        return cls(
            threshold=m.threshold,
            code_length=m.code_length,
            cells=[
                MapCellOut(
                    week=c.week,
                    area=c.area,
                    diagnosis=c.diagnosis,
                    count=c.count,
                    suppressed=c.suppressed.value if c.suppressed else None,
                )
                for c in m.cells
            ],
            totals=[
                MapTotalOut(
                    week=t.week,
                    diagnosis=t.diagnosis,
                    count=t.count,
                    suppressed=t.suppressed.value if t.suppressed else None,
                )
                for t in m.totals
            ],
        )
