"""Who performs an operation: a staff user, a resident who proved the appeal is theirs, or the system."""

from __future__ import annotations

from dataclasses import dataclass

from lianxin.org.models import User
from lianxin.org.selectors import Scope, scope_of

# The label of events the resident did themselves (submitted, rated, reopened, withdrawn).
RESIDENT_LABEL = "群众"


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    resident_owner: bool = False
    system: bool = False
    label: str = ""
    # "callback": a staff member recording the resident's answer on the resident's behalf (回访);
    # recorded on the event's data as `via`, so the rating counts as the resident's.
    via: str = ""

    @classmethod
    def staff(cls, user: User) -> Actor:
        return cls(user=user, label=user.display_name or user.username)

    @classmethod
    def resident(cls, user: User | None = None) -> Actor:
        """A resident who owns the appeal: logged in, or proved by tracking number + phone digits."""
        label = RESIDENT_LABEL
        return cls(
            user=user if user is not None and user.is_authenticated else None,
            resident_owner=True,
            label=label,
        )

    @classmethod
    def on_behalf(cls, user: User, *, via: str = "callback") -> Actor:
        """A call-back operator who rates or reopens for the resident they called."""
        return cls(user=user, label=user.display_name or user.username, via=via)

    @classmethod
    def automatic(cls, label: str = "系统") -> Actor:
        return cls(system=True, label=label)

    @property
    def scope(self) -> Scope:
        return scope_of(self.user)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None
