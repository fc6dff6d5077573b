"""The synthetic demo universe: realistic-looking audience data with planted, known answers.

`generate(out_dir, DemoConfig(...))` writes every canonical table as Parquet (raw user ids, to be
pseudonymised by the ingest) and `truth.json`, which states what a correct analysis should find:
segment preferences, fashion trends, an older-skewing title, a week of negative posts, a campaign
uplift confined to one age band, and every e-sports player's true skill.
"""

from culturebridge.demo._config import DemoConfig, DemoResult
from culturebridge.demo._generate import generate

__all__ = ["DemoConfig", "DemoResult", "generate"]
