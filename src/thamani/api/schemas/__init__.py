"""Request and response schemas (pydantic lives at the edges only)."""
