"""Loading a generated region into the store, through the services real data uses.

``RegionLoader`` (reached as ``platform.synth``) runs the stages in ``loader.py``; the
pure builders beside it turn the region's tables into what each room takes: names
(``naming``), programme documents (``programmes``), parties, wallets and enrolments
(``people``), claims, payments and top-ups (``care``), the clinical record
(``clinical``); ``summary`` counts what was done
and ``journal`` records how far a load has come.
"""

from thamani.synth.load.loader import STAGES, RegionLoader, fingerprint
from thamani.synth.load.summary import FundFigures, LoadSummary, Tallies

__all__ = ["STAGES", "FundFigures", "LoadSummary", "RegionLoader", "Tallies", "fingerprint"]
