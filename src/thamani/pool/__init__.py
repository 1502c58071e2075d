"""The pseudonymised data pool: settled encounters as Parquet, and the analytics on it.

No names, phone numbers or ids leave the operational store: a keyed HMAC stands for the
member, the birth date is reduced to a year and the address to an area. Queries are written
once with Ibis and run on DuckDB; published aggregates suppress small numbers.
"""
