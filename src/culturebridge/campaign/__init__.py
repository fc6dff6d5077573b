"""Campaigns: did a campaign work, for whom, and whom to reach next.

`_ab` analyses a randomised experiment (per-arm metrics, lifts with intervals, SRM, CUPED,
segments with multiple-comparison control, always-valid inference); `_uplift` models who
responds (T-/X-learner, class transformation and the culturebridge model), `_qini` scores them;
`_policy` handles several treatments at once (a model per arm, each person's best arm, the
policy's off-policy value); `_workspace` reads a campaign's users and outcomes from a
workspace; `_target` picks whom to treat next under the privacy guard and writes every export
to the audit log.
"""

from typing import TYPE_CHECKING

from culturebridge._lazy import lazy_getattr
from culturebridge.campaign._ab import ExperimentReport, SegmentTest, analyse, srm_check
from culturebridge.campaign._qini import auuc, qini_auc, qini_curve, uplift_at_k, uplift_curve
from culturebridge.campaign._report import CampaignReport, report_file, report_workspace
from culturebridge.campaign._workspace import (
    METRICS,
    UNITS,
    CampaignFrame,
    campaign_frame,
    user_features,
)

if TYPE_CHECKING:
    from culturebridge.campaign._features import Encoder
    from culturebridge.campaign._policy import (
        NONE,
        SHARED,
        MultiArmConfig,
        MultiArmUplift,
        PolicyReport,
        best_arms,
        cross_fit_values,
        policy_scores,
    )
    from culturebridge.campaign._target import TargetList, export_list, lookalike, uplift_targets
    from culturebridge.campaign._uplift import MODELS, UpliftModel

_LAZY = {
    "Encoder": "culturebridge.campaign._features",
    "NONE": "culturebridge.campaign._policy",
    "SHARED": "culturebridge.campaign._policy",
    "MultiArmConfig": "culturebridge.campaign._policy",
    "MultiArmUplift": "culturebridge.campaign._policy",
    "PolicyReport": "culturebridge.campaign._policy",
    "best_arms": "culturebridge.campaign._policy",
    "cross_fit_values": "culturebridge.campaign._policy",
    "policy_scores": "culturebridge.campaign._policy",
    "MODELS": "culturebridge.campaign._uplift",
    "UpliftModel": "culturebridge.campaign._uplift",
    "TargetList": "culturebridge.campaign._target",
    "export_list": "culturebridge.campaign._target",
    "lookalike": "culturebridge.campaign._target",
    "uplift_targets": "culturebridge.campaign._target",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "SegmentTest",
    "METRICS",
    "UNITS",
    "MODELS",
    "CampaignFrame",
    "CampaignReport",
    "Encoder",
    "ExperimentReport",
    "MultiArmConfig",
    "MultiArmUplift",
    "NONE",
    "SHARED",
    "PolicyReport",
    "TargetList",
    "UpliftModel",
    "analyse",
    "auuc",
    "best_arms",
    "campaign_frame",
    "cross_fit_values",
    "export_list",
    "lookalike",
    "policy_scores",
    "qini_auc",
    "qini_curve",
    "report_file",
    "report_workspace",
    "srm_check",
    "uplift_at_k",
    "uplift_curve",
    "uplift_targets",
    "user_features",
]
