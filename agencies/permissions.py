"""Every permission question of the portal is answered here.

A membership (user, agency, role) puts the user in the group "<CODE>:<role>". Each group holds
django-guardian object permissions on Agency rows, in the direct foreign-key table
`AgencyGroupObjectPermission`:

- staff and managers act on their own agency only;
- a reviewer (a member of Sở Ngoại vụ) reviews every agency's submissions;
- provincial leadership reads every agency's accepted records.

So "the agencies this user may do X for" is one query (`agencies_for`), and the groups and
their permissions are derived data, rebuilt by `sync_role_permissions` from ROLE_ACTIONS.
Views never look at roles: they ask this module.

Rights follow the organisation over time (issue 11). A group counts only while the membership
behind it grants (`granted_groups`, Membership.objects.granting): a membership in force, or one
that ended on the day its agency closed, whose user keeps reading the agency's records. Such a
membership (or one still in force in an agency no longer in operation) gives reading its own
agency only (READING, `granted_permissions`): a former reviewer of a closed Sở Ngoại vụ reviews
nothing, a former leader oversees nothing else. Nobody writes for an agency that is not in
operation today (WRITING). A membership that ended while
its agency works gives nothing from its `ended_on`, even before anything re-synchronises the
user's groups. E-mails go only to memberships in force in agencies in operation
(`users_who_may`, `message_readers`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Concat
from django.http import Http404

from .models import Agency, AgencyGroupObjectPermission, Membership, User, in_operation_q

if TYPE_CHECKING:  # for the annotations only: the exchange's models import this module
    from activities.exchange.models import Message


class Action(StrEnum):
    VIEW = "view_records"  # every record of the agency, drafts included
    ACT = "act_for_agency"  # write for the agency: its activities, reports and messages
    SUBMIT = "submit_records"  # send the agency's records to the focal point
    REVIEW = "review_records"  # accept or return what the agency submitted
    OVERSEE = "oversee_records"  # read the agency's accepted records


Role = Membership.Role

# What each role may do on its own agency, and on every agency of the province.
ROLE_ACTIONS: dict[str, tuple[tuple[Action, ...], tuple[Action, ...]]] = {
    Role.STAFF: ((Action.VIEW, Action.ACT), ()),
    Role.MANAGER: ((Action.VIEW, Action.ACT, Action.SUBMIT), ()),
    Role.REVIEWER: ((Action.VIEW, Action.ACT), (Action.REVIEW,)),
    Role.LEADER: ((), (Action.OVERSEE,)),
}

# Nobody writes or submits for an agency that no longer works; its records stay readable.
WRITING = frozenset({Action.ACT, Action.SUBMIT})
# What a membership that only keeps reading (its agency closed) still gives, on its own agency.
READING = frozenset({Action.VIEW, Action.OVERSEE})

GROUP_SEPARATOR = ":"


def role_group_name(agency_code: str, role: str) -> str:
    """The name of the role group of `role` in the agency `agency_code`: "<CODE>:<role>"."""
    return f"{agency_code}{GROUP_SEPARATOR}{role}"


def _is_role_group(name: str) -> bool:
    code, sep, role = name.rpartition(GROUP_SEPARATOR)
    return bool(sep and code) and role in ROLE_ACTIONS


def _with_group_name(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """`memberships`, each with `group_name`, the name of its role group ("<CODE>:<role>")."""
    return memberships.annotate(
        group_name=Concat("agency__code", Value(GROUP_SEPARATOR), "role", output_field=CharField())
    )


def _group_names(memberships: QuerySet[Membership]) -> QuerySet:
    """The names of the role groups of `memberships`, as a sub-query."""
    return _with_group_name(memberships).values("group_name")


def granted_groups(user: User) -> QuerySet[Group]:
    """The role groups that give `user` rights today: the user's groups whose membership
    grants today (Membership.objects.granting: in force, or ended with its closed agency). A
    membership whose `ended_on` has come takes its rights away on that day, whether or not
    anything re-synchronised the user's groups since. A sub-query, no query of its own.

    Only the groups of acting_groups give every right of the role; the others give reading
    their own agency only (granted_permissions)."""
    return Group.objects.filter(
        user=user, name__in=_group_names(Membership.objects.granting().filter(user=user))
    )


def acting_groups(user: User) -> QuerySet[Group]:
    """The role groups that give `user` every right of their role today: memberships in force
    in agencies in operation today. A reviewer or leader whose agency has closed keeps no
    province-wide right (issue 11: its users read their agency's history but do not act for
    it). A sub-query, no query of its own."""
    return Group.objects.filter(
        user=user,
        name__in=_group_names(
            Membership.objects.in_force()
            .filter(user=user)
            .filter(in_operation_q(prefix="agency__"))
        ),
    )


def granted_permissions(user: User) -> QuerySet[AgencyGroupObjectPermission]:
    """The object permissions `user` holds today through memberships that grant: every
    permission of acting_groups, and, for a membership that only keeps reading (ended with its
    closed agency, or in force in an agency not in operation), the reading actions (READING)
    on that membership's own agency. A queryset, no query of its own."""
    own_agency = Membership.objects.granting().filter(
        user=user, agency_id=OuterRef("content_object_id")
    )
    reading_own = Exists(_with_group_name(own_agency).filter(group_name=OuterRef("group__name")))
    return AgencyGroupObjectPermission.objects.filter(
        permission__content_type__app_label="agencies"
    ).filter(
        Q(group__in=acting_groups(user))
        | Q(
            reading_own,
            group__in=granted_groups(user),
            permission__codename__in=[a.value for a in READING],
        )
    )


def agencies_for(user: User | AnonymousUser, action: Action) -> QuerySet[Agency]:
    """The agencies on which `user` may perform `action` (superusers: all of them), from the
    permissions the memberships grant today (granted_permissions). Writing actions
    (WRITING) only for agencies in operation today. One query when evaluated."""
    if not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    if user.is_superuser:
        agencies = Agency.objects.all()
    else:
        held = granted_permissions(user).filter(permission__codename=action.value)
        agencies = Agency.objects.filter(pk__in=held.values("content_object_id"))
    if action in WRITING:
        agencies = agencies.filter(in_operation_q())
    return agencies


def agency_ids(user: User | AnonymousUser) -> dict[Action, frozenset[int]]:
    """For each action, the ids of the agencies `user` may perform it on, in one query.

    Lists filter by these small literal sets rather than by sub-queries: on a table of
    100,000 activities PostgreSQL then uses its indexes instead of testing every row against
    three nested permission look-ups. Kept on the user object for the rest of the request.
    """
    cached = getattr(user, "_agency_ids", None)
    if cached is not None:
        return cached
    ids: dict[Action, set[int]] = {action: set() for action in Action}
    if user.is_authenticated and user.is_active:
        working = Case(When(in_operation_q(), then=True), default=False)
        if user.is_superuser:
            # Everything, except acting for an agency that does not work today (as agencies_for).
            rows = list(Agency.objects.annotate(working=working).values_list("pk", "working"))
            ids = {
                action: {pk for pk, active in rows if active or action not in WRITING}
                for action in Action
            }
        else:
            rows = (
                granted_permissions(user)
                .filter(permission__codename__in=[a.value for a in Action])
                .annotate(
                    working=Case(
                        When(in_operation_q(prefix="content_object__"), then=True),
                        default=False,
                    )
                )
                .values_list("permission__codename", "content_object_id", "working")
            )
            for codename, agency_id, active in rows:
                if active or codename not in WRITING:
                    ids[Action(codename)].add(agency_id)
    result = {action: frozenset(values) for action, values in ids.items()}
    if user.is_authenticated:
        user._agency_ids = result
    return result


def member_agency_ids(user: User | AnonymousUser) -> frozenset[int]:
    """The agencies the user belongs to today, in any role: they read and write the agency's
    information exchange (messages are between agencies, not a reviewing matter). Memberships
    that grant today count (Membership.objects.granting): those in force, and those that ended
    with their closed agency, whose members keep reading its messages; a membership that
    ended while its agency still works gives nothing. One query."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return frozenset(user.memberships.granting().values_list("agency_id", flat=True))


def users_who_may(action: Action, agency: Agency | None = None) -> QuerySet[User]:
    """The active users whose memberships give them `action` on `agency` (or on any agency
    when None), each once: those an e-mail about that work goes to. Only memberships in force
    today, in agencies in operation today, count: the former staff of a closed agency read
    its history but get no e-mail. Superusers hold no membership and are not included. One
    query when evaluated."""
    held = AgencyGroupObjectPermission.objects.filter(
        permission__content_type__app_label="agencies", permission__codename=action
    )
    if agency is not None:
        held = held.filter(content_object=agency)
    holding = Group.objects.filter(pk__in=held.values("group")).values("name")
    members = _with_group_name(
        Membership.objects.in_force().filter(in_operation_q(prefix="agency__"))
    ).filter(group_name__in=holding)
    return User.objects.filter(is_active=True, pk__in=members.values("user_id"))


def managers_of(agency: Agency) -> QuerySet[User]:
    """The active managers of `agency` (those who send its records: Action.SUBMIT), by their
    memberships in force today, if the agency is in operation (users_who_may). They are told
    of every decision on the agency's records. One query when evaluated."""
    return users_who_may(Action.SUBMIT, agency)


def shows(user: User | AnonymousUser, action: Action, agency_id: int) -> bool:
    """Whether a page should offer `action` on an agency (from agency_ids, no query).
    The service that performs the action asks `can` again, fresh from the database."""
    return agency_id in agency_ids(user)[action]


def reviews_province(user: User | AnonymousUser) -> bool:
    """Reviewers of Sở Ngoại vụ review every agency: they consolidate the province's report
    and handle reported difficulties (from agency_ids, no query)."""
    return bool(agency_ids(user)[Action.REVIEW])


def reads_issued_reports(user: User | AnonymousUser) -> bool:
    """Reviewers and provincial leadership read the issued consolidated reports."""
    ids = agency_ids(user)
    return bool(ids[Action.REVIEW] or ids[Action.OVERSEE])


def can(user: User | AnonymousUser, action: Action, agency: Agency) -> bool:
    """Whether `user` may perform `action` on `agency` today (agencies_for, one query)."""
    return agencies_for(user, action).filter(pk=agency.pk).exists()


def can_see_members(user: User | AnonymousUser, agency: Agency) -> bool:
    """Members of an agency are shown to those who may read its records in any way."""
    return any(can(user, action, agency) for action in (Action.VIEW, Action.REVIEW))


def get_agency_for(user: User | AnonymousUser, code: str, action: Action) -> Agency:
    """Fetch and authorize in one call: 404 when the agency is unknown or not permitted."""
    try:
        return agencies_for(user, action).get(code=code)
    except Agency.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class Navigation:
    """What the navigation bar offers a user.

    `memberships` are those in force today (the menu is built from them); `ended` those that
    ended, each with `keeps_reading` set (the membership ended with its closed agency, whose
    records the user still reads) and listed as ended on the home page. `reads_records` is
    whether any membership grants reading (in force, or ended with its agency): such a user
    still has an inbox and reports to read.
    """

    memberships: list[Membership]
    ended: list[Membership]
    can_act: bool
    can_review: bool
    can_oversee: bool
    can_admin: bool
    reads_records: bool

    @property
    def has_no_membership_in_force(self) -> bool:
        """Every membership of the user has ended (and there was at least one)."""
        return not self.memberships and bool(self.ended)


def keeps_reading(membership: Membership) -> bool:
    """Whether an ended membership still lets its user read the agency's records: it ended
    on the day its agency closed (as Membership.objects.granting says, without a query)."""
    closed_on = membership.agency.closed_on
    return closed_on is not None and membership.ended_on == closed_on


def navigation_for(user: User) -> Navigation:
    """One query: the user's memberships with their agencies, read through ROLE_ACTIONS. The
    menu follows the memberships in force today; the rights of an ended one are gone (writing
    for a closed agency is refused; reading its records is agencies_for's matter)."""
    memberships = list(
        user.memberships.select_related("agency", "agency__successor").order_by(
            "agency__name", "pk"
        )
    )
    in_force = [m for m in memberships if m.is_in_force]
    ended = [m for m in memberships if not m.is_in_force]
    for membership in ended:
        membership.keeps_reading = keeps_reading(membership)
    actions: set[Action] = set()
    for membership in in_force:
        own, province_wide = ROLE_ACTIONS[membership.role]
        if not membership.agency.is_active:
            # Only reading its own agency (granted_permissions): no province-wide right.
            own, province_wide = tuple(a for a in own if a in READING), ()
        actions.update(own, province_wide)
    everything = user.is_superuser
    return Navigation(
        memberships=in_force,
        ended=ended,
        can_act=everything or Action.ACT in actions,
        can_review=everything or Action.REVIEW in actions,
        can_oversee=everything or Action.OVERSEE in actions,
        can_admin=user.is_staff,
        reads_records=bool(in_force) or any(m.keeps_reading for m in ended),
    )


@transaction.atomic
def sync_role_permissions() -> None:
    """Create the role groups of every agency and give them exactly their permissions.

    Idempotent; runs after each `migrate` and whenever an agency is added or changed.
    """
    agencies = list(Agency.objects.all())
    perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="agencies", codename__in=[a.value for a in Action]
        )
    }
    groups = {g.name: g for g in Group.objects.all()}
    wanted: set[tuple[int, int, int]] = set()
    for agency in agencies:
        for role, (own, province_wide) in ROLE_ACTIONS.items():
            if not Membership.role_fits(role, agency):
                continue
            name = role_group_name(agency.code, role)
            if name not in groups:
                groups[name] = Group.objects.create(name=name)
            group = groups[name]
            wanted.update((group.pk, perms[a].pk, agency.pk) for a in own)
            wanted.update(
                (group.pk, perms[a].pk, other.pk) for other in agencies for a in province_wide
            )
    role_group_ids = [g.pk for name, g in groups.items() if _is_role_group(name)]
    existing = AgencyGroupObjectPermission.objects.filter(group_id__in=role_group_ids)
    have = set(existing.values_list("group_id", "permission_id", "content_object_id"))
    surplus = have - wanted
    if surplus:
        for group_id, permission_id, agency_id in surplus:
            existing.filter(
                group_id=group_id, permission_id=permission_id, content_object_id=agency_id
            ).delete()
    AgencyGroupObjectPermission.objects.bulk_create(
        [
            AgencyGroupObjectPermission(group_id=g, permission_id=p, content_object_id=a)
            for g, p, a in sorted(wanted - have)
        ]
    )


def sync_user_groups(user: User) -> None:
    """Put the user in exactly the role groups of their memberships; other groups stay."""
    user.__dict__.pop("_agency_ids", None)
    user.__dict__.pop("_message_agency_ids", None)
    wanted = {
        role_group_name(code, role)
        for code, role in user.memberships.granting().values_list("agency__code", "role")
    }
    current = {g.name: g for g in user.groups.all()}
    stale = [g for name, g in current.items() if _is_role_group(name) and name not in wanted]
    if stale:
        user.groups.remove(*stale)
    missing = wanted - current.keys()
    if missing:
        user.groups.add(*Group.objects.filter(name__in=missing))


# Information exchange ------------------------------------------------------------------------
# Messages are between agencies, not a reviewing matter: an agency's members read its messages
# in any role, those who act for it write them, and Sở Ngoại vụ's reviewers handle reported
# difficulties. Nobody reads another agency's messages, not even a superuser.


def message_agency_ids(user: User | AnonymousUser) -> frozenset[int]:
    """The agencies whose messages `user` reads (sent by them or addressed to them) and
    whose received messages the user marks read: every agency the user belongs to, in any
    role, leaders included (one query, then kept on the user object for the rest of the
    request, as agency_ids does)."""
    cached = getattr(user, "_message_agency_ids", None)
    if cached is not None:
        return cached
    ids = member_agency_ids(user)
    if user.is_authenticated:
        user._message_agency_ids = ids
    return ids


def message_agencies(user: User | AnonymousUser) -> QuerySet[Agency]:
    """The agencies of message_agency_ids (the user's, in any role, by the memberships that
    grant today) as a queryset, to filter by inside another query (no query of its own): for
    a figure read once per page, such as the unread count."""
    if not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    return Agency.objects.filter(
        pk__in=Membership.objects.granting().filter(user=user).values("agency_id")
    )


def sending_agency_ids(user: User | AnonymousUser) -> frozenset[int]:
    """The agencies a page may offer `user` to send, answer or remind for: those the user
    acts for (Action.ACT) among those whose messages the user reads. A superuser acts for
    every agency but reads only the messages of the agencies they belong to, so they send
    only for those (from agency_ids and message_agency_ids, kept for the request). The
    service asks `can_send_for` again before it writes."""
    return agency_ids(user)[Action.ACT] & message_agency_ids(user)


def sending_agencies(user: User | AnonymousUser) -> QuerySet[Agency]:
    """The agencies of sending_agency_ids as a queryset for a form (one query)."""
    return agencies_for(user, Action.ACT).filter(pk__in=message_agencies(user))


def can_send_for(user: User | AnonymousUser, agency: Agency) -> bool:
    """Whether `user` may send, answer or remind on behalf of `agency` (fresh from the
    database, one query: a membership removed a second ago no longer writes)."""
    return sending_agencies(user).filter(pk=agency.pk).exists()


def answering_agencies(user: User | AnonymousUser, message: Message) -> QuerySet[Agency]:
    """The agencies among the recipients of `message` that `user` may answer it for, as a
    queryset for the answer form (from sending_agency_ids, kept for the request)."""
    return Agency.objects.filter(pk__in=sending_agency_ids(user), received__message=message)


def handles_difficulties(user: User | AnonymousUser) -> bool:
    """Reviewers of Sở Ngoại vụ handle the difficulties agencies report (from agency_ids)."""
    return reviews_province(user)


def message_readers(agency_ids: Collection[int]) -> QuerySet[User]:
    """The active users a message addressed to these agencies is announced to, each once:
    their members in any role whose membership is in force today, in those of the agencies in
    operation today (a closed agency's former members still read its messages, but are not
    e-mailed). One query when evaluated."""
    members = (
        Membership.objects.in_force()
        .filter(agency_id__in=agency_ids)
        .filter(in_operation_q(prefix="agency__"))
    )
    return User.objects.filter(is_active=True, pk__in=members.values("user_id"))
