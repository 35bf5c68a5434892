"""Which replies are reviewed before the resident sees them (答复审核), and whose pending review an
appeal has. Plain reads on the models, shared by the policy and the actions."""

from __future__ import annotations

from django.db.models import Q

from .models import Appeal, ReplyReview, ReplyReviewRule, ReviewStatus


def review_rule_for(appeal: Appeal) -> ReplyReviewRule | None:
    """The most specific active rule for the appeal's unit and category (its subtree counts): unit
    and category, then unit alone, then category alone; the deepest category first. None: no review."""
    if appeal.unit_id is None:
        return None
    category_ids: list[int] = []
    category = appeal.category
    while category is not None and len(category_ids) < 10:
        category_ids.append(category.pk)
        category = category.parent
    rules = list(
        ReplyReviewRule.objects.filter(active=True)
        .filter(Q(unit_id=appeal.unit_id) | Q(unit__isnull=True))
        .filter(Q(category_id__in=category_ids) | Q(category__isnull=True))
        .exclude(unit__isnull=True, category__isnull=True)
    )

    def rank(rule: ReplyReviewRule) -> tuple[int, int]:
        depth = (
            category_ids.index(rule.category_id) if rule.category_id in category_ids else len(category_ids)
        )
        return (0 if rule.unit_id else 1, depth)

    matching = [r for r in rules if r.unit_id in (appeal.unit_id, None)]
    return min(matching, key=rank) if matching else None


_CACHE = "_lianxin_pending_review"


def pending_review(appeal: Appeal) -> ReplyReview | None:
    """The reply awaiting review, if any; asked once per appeal object (the policy asks it for
    several actions on each case page). Actions that change reviews call `forget_pending_review`."""
    if _CACHE not in appeal.__dict__:
        appeal.__dict__[_CACHE] = appeal.reply_reviews.filter(status=ReviewStatus.PENDING).first()
    pending: ReplyReview | None = appeal.__dict__[_CACHE]
    return pending


def forget_pending_review(appeal: Appeal) -> None:
    appeal.__dict__.pop(_CACHE, None)
