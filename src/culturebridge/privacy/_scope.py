"""Partner scope: who sees what.

A key belongs to a partner, or to the platform (its own analysts, who see every partner). A
partner sees platform-wide aggregates, and item-level detail only about its own items. What
identifies an item is not only its id: a genre, an alias, a price or an experience that only
another partner's items carry singles out those items just as well. So a released value is
shown to partner P only when one of P's own items carries it; every other value is folded into
one, `OTHER_PARTNERS`, which keeps platform-wide totals intact (shares still sum to one).

Writes are scoped the same way (`culturebridge.ingest`, `owner=`): a partner may write its own
items (and events about them), nothing shared and nothing of another partner's; the platform's
analysts may write anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

PLATFORM = "platform"
"""The platform's own analysts: every partner's data, exact figures, and the ledger account
for their noised releases."""
OTHER_PARTNERS = "(other partners)"
"""The one value every released value outside the asking partner's items is folded into."""


def item_scope(partner: str) -> str | None:
    """The partner whose items a caller sees in detail (None: every partner's)."""
    return None if partner == PLATFORM else partner


def sees(partner: str | None, owner: str | None) -> bool:
    """Whether item-level results about an item owned by `owner` may go to `partner` (None or
    `PLATFORM`: the platform, which sees everything)."""
    return partner is None or partner == PLATFORM or owner == partner


def fold_values(values: ir.Table, partner: str | None) -> ir.Table:
    """(item_id, value) from (item_id, partner_id, value), with every value that none of
    `partner`'s own items carries replaced by `OTHER_PARTNERS` (unchanged for the platform)."""
    import ibis

    if partner is None:
        return values.select("item_id", "value")
    own = values.filter(values.partner_id == partner).select(known=values.value).distinct()
    joined = values.left_join(own, values.value == own.known)
    return joined.select(
        "item_id",
        value=ibis.cases(
            (joined.known.notnull(), joined.value), else_=ibis.literal(OTHER_PARTNERS)
        ),
    )
