"""Monthly rules (SPEC 4.2) over plain data. Pure; the oracle for `sql.monthly`, `sql.earned`."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from sportify_aggregator.ranking import rank_among
from sportify_common.vocabulary import POINTS, RANKING_CATEGORIES

AWARD_MAX_RANK = 3
FRIENDS_MIN_PARTICIPANTS = 2

BADGE_CHALLENGE = "monthly-challenge-points"
AWARD_CHAMPION = "monthly-champion"
AWARD_CATEGORY_RANK = "category-rank-award"

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class UserMonth:
    values: Mapping[str, Decimal]  # category -> total points or activity total
    show_in_global_rankings: bool = True


@dataclass(frozen=True, slots=True)
class FriendsRank:
    rank: int | None
    participants: int

    @property
    def award(self) -> bool:
        return (
            self.rank is not None
            and self.rank <= AWARD_MAX_RANK
            and self.participants >= FRIENDS_MIN_PARTICIPANTS
        )


@dataclass(frozen=True, slots=True)
class MonthOutcome(Generic[K]):
    global_ranks: Mapping[str, int | None] | None  # None: opted out of global rankings
    friends_ranks: Mapping[str, FriendsRank]
    challenge_achieved: bool

    def awards(self) -> set[tuple[str, str, str, int | None]]:
        """(award_type, scope, category, rank) earned."""
        earned: set[tuple[str, str, str, int | None]] = set()
        for category, rank in (self.global_ranks or {}).items():
            if rank is not None and rank <= AWARD_MAX_RANK:
                earned.add((AWARD_CATEGORY_RANK, "global", category, rank))
        for category, friends in self.friends_ranks.items():
            if friends.award:
                earned.add((AWARD_CATEGORY_RANK, "friends", category, friends.rank))
        if self.challenge_achieved:
            earned.add((AWARD_CHAMPION, "", "", None))
        return earned


def global_ranks(users: Mapping[K, UserMonth], category: str) -> dict[K, int | None]:
    """Among opted-in users with a value > 0; others get None."""
    ranked = [u.values[category] for u in users.values() if _global_participant(u, category)]
    return {
        key: rank_among(user.values[category], ranked)
        if _global_participant(user, category)
        else None
        for key, user in users.items()
    }


def _global_participant(user: UserMonth, category: str) -> bool:
    return user.show_in_global_rankings and user.values[category] > 0


def friends_rank(own: Decimal, friend_values: Collection[Decimal]) -> FriendsRank:
    """Participants: the user and friends with a value > 0; a user at 0 has no rank."""
    positive = [v for v in friend_values if v > 0]
    if own <= 0:
        return FriendsRank(None, len(positive))
    return FriendsRank(rank_among(own, positive), 1 + len(positive))


def evaluate_month(
    users: Mapping[K, UserMonth],
    friends: Mapping[K, Collection[K]],
    *,
    challenge_target: Decimal,
) -> dict[K, MonthOutcome[K]]:
    by_category = {c: global_ranks(users, c) for c in RANKING_CATEGORIES}
    outcomes: dict[K, MonthOutcome[K]] = {}
    for key, user in users.items():
        mine = friends.get(key, ())
        outcomes[key] = MonthOutcome(
            global_ranks={c: by_category[c][key] for c in RANKING_CATEGORIES}
            if user.show_in_global_rankings
            else None,
            friends_ranks={
                c: friends_rank(user.values[c], [users[f].values[c] for f in mine])
                for c in RANKING_CATEGORIES
            },
            challenge_achieved=user.values[POINTS] >= challenge_target,
        )
    return outcomes
