"""Actions on activities. Views, imports, commands and tests all go through these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import ActivityKind, Agency, Duty, User
from agencies.permissions import Action
from agencies.plans import plan_in_force_id
from doingoai.files import validate_attachment
from doingoai.text import change_reason, clean_text
from notifications.models import Kind
from notifications.services import Event, in_portal_language, notify

from .models import CURRENCIES, Activity, ActivityCountry, Attachment, Partner
from .workflow import BULK_MOVES, WORKFLOW

AID_FIELDS = (
    "donor",
    "aid_type",
    "sector",
    "committed_amount",
    "disbursed_amount",
    "currency",
    "committed_vnd",
    "approval_number",
    "approval_date",
)


KINDS = frozenset(ActivityKind.values)
CURRENCY_CODES = frozenset(code for code, _label in CURRENCIES)


class ActivityError(Exception):
    """An action on an activity that cannot be carried out; the message is for the user."""


class ActivityConflict(ActivityError):
    """Someone else changed the activity since the user loaded it."""


@dataclass(frozen=True)
class NewPartner:
    """A partner organisation typed in with the activity, created if it does not exist."""

    name: str
    kind: str
    country: str = ""
    is_donor: bool = False


@dataclass
class ActivityData:
    """Everything a user enters about an activity, as a form or an imported row gives it."""

    agency: Agency
    kind: str
    title: str
    start_date: date
    end_date: date
    duty: Duty | None = None
    place: str = ""
    description: str = ""
    outcome: str = ""
    countries: Sequence[str] = ()
    partners: Sequence[Partner] = ()
    new_partner: NewPartner | None = None
    co_organisers: Sequence[Agency] = ()
    participants_vietnamese: int | None = None
    participants_foreign: int | None = None
    aid: dict[str, Any] = field(default_factory=dict)


def get_activity_for(user: User, pk: int, *, editable: bool = False) -> Activity:
    """Activity `pk` with its agency, duty and donor if `user` may read it
    (Activity.objects.visible_to), or with `editable` if they may change it now
    (Activity.objects.editable_by: a draft or returned activity of an agency they act for).
    Raises Http404 otherwise, whether it exists or not."""
    activities = (
        Activity.objects.editable_by(user) if editable else Activity.objects.visible_to(user)
    )
    return get_object_or_404(activities.select_related("agency", "duty", "donor"), pk=pk)


def duties_of(agency: Agency, on: date | None = None):
    """The duties an agency carries out: assigned to it, or naming it to coordinate; those of
    the plan in force on `on` (agencies.plans.plan_in_force: no query of its own, a
    sub-query) when a day is given, of every plan when None (what a record dated under an
    earlier plan may still carry). Rows may repeat: add .distinct() to list them."""
    duties = Duty.objects.filter(Q(assignments__agency=agency) | Q(coordinating_agencies=agency))
    if on is not None:
        duties = duties.filter(plan_id=plan_in_force_id(on))
    return duties


def validate_activity(
    data: ActivityData, *, duty_ids: set[int] | None = None, kept_start: date | None = None
) -> None:
    """Check the rules that span fields; raise a ValidationError keyed by field.

    `duty_ids` lets a bulk import pass the agency's duties once instead of a query per row;
    otherwise the duty must be one of the plan in force on the activity's start date.
    An agency records what it did while it worked: an activity may not begin before the
    agency's `established_on` (a ward created on 1/7/2025 did nothing in March 2025; its
    predecessor did). `kept_start` is the start date the record already has: a draft a
    reorganisation handed to the successor keeps the date it was given, unless it is changed.
    """
    errors: dict[str, str] = {}
    if data.end_date < data.start_date:
        errors["end_date"] = _("The end date must not be before the start date.")
    began = data.agency.established_on
    if began and data.start_date < began and data.start_date != kept_start:
        errors["start_date"] = _(
            "%(agency)s began to work on %(date)s: an activity before that day belongs to the "
            "agency that worked then."
        ) % {"agency": data.agency, "date": began.strftime("%d/%m/%Y")}
    if data.duty is not None:
        allowed = (
            duty_ids
            if duty_ids is not None
            else set(duties_of(data.agency, on=data.start_date).values_list("pk", flat=True))
        )
        if data.duty.pk not in allowed:
            errors["duty"] = _("This duty is not assigned to %(agency)s.") % {"agency": data.agency}
    if data.kind not in KINDS:
        errors["kind"] = _("Unknown kind of activity.")
    if data.kind == ActivityKind.AID_MOBILISATION:
        aid = data.aid
        amounts = [aid.get("committed_amount"), aid.get("disbursed_amount")]
        for name, value in zip(("committed_amount", "disbursed_amount"), amounts, strict=True):
            if value is not None and value < 0:
                errors[name] = _("An amount cannot be negative.")
        currency = aid.get("currency") or ""
        if any(a is not None for a in amounts) and not currency:
            errors["currency"] = _("Give the currency of the amounts.")
        if currency and currency not in CURRENCY_CODES:
            errors["currency"] = _("Unknown currency “%(currency)s”.") % {"currency": currency}
        vnd = aid.get("committed_vnd")
        if vnd is not None and vnd < 0:
            errors["committed_vnd"] = _("An amount cannot be negative.")
        if (
            aid.get("committed_amount") is not None
            and currency
            and currency != "VND"
            and vnd is None
        ):
            errors["committed_vnd"] = _("Give the VND equivalent of the committed amount.")
    if errors:
        raise ValidationError(errors)


def _require(actor: User, action: Action, agency: Agency, message: str) -> None:
    if not permissions.can(actor, action, agency):
        raise ActivityError(message)


def _add_new_partner(data: ActivityData) -> None:
    if data.new_partner is None:
        return
    new = data.new_partner
    partner = get_or_create_partner(name=new.name, kind=new.kind, country=new.country)
    data.partners = [*data.partners, partner]
    if new.is_donor:
        data.aid = {**data.aid, "donor": partner}
    data.new_partner = None


def apply_activity_data(activity: Activity, data: ActivityData) -> None:
    for name in (
        "agency",
        "kind",
        "title",
        "start_date",
        "end_date",
        "duty",
        "place",
        "description",
        "outcome",
        "participants_vietnamese",
        "participants_foreign",
    ):
        setattr(activity, name, getattr(data, name))
    is_aid = data.kind == ActivityKind.AID_MOBILISATION
    for name in AID_FIELDS:
        default = (
            None
            if name
            in {"donor", "committed_amount", "disbursed_amount", "committed_vnd", "approval_date"}
            else ""
        )
        setattr(activity, name, data.aid.get(name, default) if is_aid else default)
    if is_aid and activity.currency == "VND" and activity.committed_amount is not None:
        activity.committed_vnd = activity.committed_amount.quantize(Decimal(1))
    activity.refresh_search_text([p.name for p in data.partners])


def _changed_relations(activity: Activity, data: ActivityData) -> list[str]:
    """The names of the lists (partners, co-organisers, countries) an edit changes: the
    history's field diff sees only the activity's own columns."""
    changed = []
    if {p.pk for p in activity.partners.all()} != {p.pk for p in data.partners} or (
        data.new_partner is not None
    ):
        changed.append(str(Activity._meta.get_field("partners").verbose_name))
    wanted = {a.pk for a in data.co_organisers if a.pk != data.agency.pk}
    if set(activity.co_organisers.values_list("pk", flat=True)) != wanted:
        changed.append(str(Activity._meta.get_field("co_organisers").verbose_name))
    if set(activity.countries.values_list("country", flat=True)) != set(data.countries):
        changed.append(str(ActivityCountry._meta.verbose_name_plural))
    return changed


def _save_relations(activity: Activity, data: ActivityData) -> None:
    activity.partners.set(data.partners)
    activity.co_organisers.set([a for a in data.co_organisers if a.pk != activity.agency_id])
    wanted = set(data.countries)
    activity.countries.exclude(country__in=wanted).delete()
    have = set(activity.countries.values_list("country", flat=True))
    ActivityCountry.objects.bulk_create(
        [ActivityCountry(activity=activity, country=c) for c in sorted(wanted - have)]
    )


@transaction.atomic
def create_activity(
    *, actor: User, data: ActivityData, attachments: Iterable[UploadedFile] = ()
) -> Activity:
    """Record a new draft activity for an agency the actor may act for."""
    _require(
        actor,
        Action.ACT,
        data.agency,
        _("You may not log activities for %(agency)s.") % {"agency": data.agency},
    )
    validate_activity(data)
    _add_new_partner(data)
    activity = Activity(created_by=actor)
    apply_activity_data(activity, data)
    activity._history_user = actor
    activity._change_reason = _("Created")
    activity.save()
    _save_relations(activity, data)
    for upload in attachments:
        add_attachment(actor=actor, activity=activity, upload=upload)
    return activity


def _lock(activity: Activity) -> Activity:
    """The activity's row, locked for the change, with its agency."""
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=activity.pk)
    )


def _check_version(locked: Activity, version: int) -> None:
    """Make sure nobody changed the locked row since the user loaded `version`. Called once
    the actor's right is checked: the conflict tells the activity's status."""
    if locked.version != version:
        raise ActivityConflict(
            _(
                "Someone else changed this activity in the meantime (now: %(status)s). "
                "Reload the page to see the current version; nothing was saved."
            )
            % {"status": locked.get_status_display()}
        )


@transaction.atomic
def update_activity(
    *,
    actor: User,
    activity: Activity,
    version: int,
    data: ActivityData,
    attachments: Iterable[UploadedFile] = (),
) -> Activity:
    """Change a draft or returned activity, as the user saw it at `version`. Checks the
    actor's right on the activity's agency (fresh), then the version, then the status, then
    the right on the agency `data` names. Raises ActivityError with the user's message,
    ActivityConflict for a stale version, ValidationError for data the rules refuse."""
    locked = _lock(activity)
    _require(
        actor,
        Action.ACT,
        locked.agency,
        _("You may not edit activities of %(agency)s.") % {"agency": locked.agency},
    )
    _check_version(locked, version)
    if not locked.is_editable:
        raise ActivityError(_("Only a draft or a returned activity can be changed."))
    _require(
        actor,
        Action.ACT,
        data.agency,
        _("You may not log activities for %(agency)s.") % {"agency": data.agency},
    )
    validate_activity(
        data, kept_start=locked.start_date if locked.agency_id == data.agency.pk else None
    )
    _add_new_partner(data)
    relations = _changed_relations(locked, data)
    apply_activity_data(locked, data)
    locked.version += 1
    locked._history_user = actor
    locked._change_reason = change_reason(
        _("Edited") + (": " + ", ".join(relations) if relations else "")
    )
    locked.save()
    _save_relations(locked, data)
    for upload in attachments:
        add_attachment(actor=actor, activity=locked, upload=upload)
    return locked


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ActivityError(_("Give the reason, so that the agency knows what to fix."))
    return reason


@transaction.atomic
def move_activity(
    *, actor: User, activity: Activity, version: int, action: str, reason: str = ""
) -> Activity:
    """Make the move `action` of the status table (activities/workflow.py): "submit",
    "accept", "return" or "reopen". Locks the row, checks the actor's permission (fresh),
    then `version`, then the table (the status, the guard, the reason when the move needs
    one); records who and why in the history. Raises ActivityError with the user's message,
    ActivityConflict for a stale version; KeyError for an action the table does not have."""
    transition = WORKFLOW[action]
    locked = _lock(activity)
    # The right first: someone who may not make the move learns neither that the activity
    # changed nor its status. WORKFLOW.check asks it again, before the status.
    if not permissions.can(actor, transition.permission, locked.agency):
        raise ActivityError(str(transition.refused))
    _check_version(locked, version)
    WORKFLOW.check(action, actor=actor, record=locked, error=ActivityError)
    reason = _reason(reason) if transition.needs_reason else ""
    now = timezone.now()
    locked.status = transition.target
    locked.version += 1
    if transition.target == Activity.Status.SUBMITTED:
        locked.submitted_at = now
    else:
        locked.reviewed_at, locked.reviewed_by = now, actor
    if transition.target == Activity.Status.RETURNED:
        locked.return_reason = reason
        # A reopen counts as a return: Sở Ngoại vụ sends the activity back for correction
        # either way, and the backfill (migration 0010) counts every entry into "returned".
        locked.return_count += 1
    elif transition.target == Activity.Status.ACCEPTED:
        locked.return_reason = ""
    locked._history_user = actor
    locked._change_reason = change_reason(reason or Activity.Status(transition.target).label)
    locked.save()
    _tell_agency(locked, actor)
    return locked


# The decisions on an activity its agency is told of, and under which kind.
DECISION_KINDS = {
    Activity.Status.RETURNED: Kind.ACTIVITY_RETURNED,
    Activity.Status.ACCEPTED: Kind.ACTIVITY_ACCEPTED,
}


@in_portal_language
def _tell_agency(activity: Activity, actor: User) -> None:
    """Notify the author of `activity` and its agency's managers of the review just made
    (returned, with the reason; accepted), in the move's transaction; nothing for another
    move. The key names the version the decision made: each decision is its own event."""
    kind = DECISION_KINDS.get(activity.status)
    if kind is None:
        return
    # The author only while they still act for the agency: a former member no longer reads
    # its records, and is told nothing of them.
    author = permissions.users_who_may(Action.ACT, activity.agency).filter(
        pk=activity.created_by_id
    )
    told = permissions.managers_of(activity.agency) | author
    name = "activity-returned" if kind == Kind.ACTIVITY_RETURNED else "activity-accepted"
    notify(
        told,
        Event(
            kind=kind,
            key=f"{name}:{activity.pk}:v{activity.version}",
            title=activity.title,
            url=activity.get_absolute_url(),
            detail=activity.return_reason if kind == Kind.ACTIVITY_RETURNED else "",
            agency=activity.agency,
        ),
        actor=actor,
    )


def submit_activity(*, actor: User, activity: Activity, version: int) -> Activity:
    """Send a draft or returned activity to Sở Ngoại vụ for review (see move_activity)."""
    return move_activity(actor=actor, activity=activity, version=version, action="submit")


def accept_activity(*, actor: User, activity: Activity, version: int) -> Activity:
    """Accept a submitted activity; it is locked from then on (see move_activity)."""
    return move_activity(actor=actor, activity=activity, version=version, action="accept")


def return_activity(*, actor: User, activity: Activity, version: int, reason: str) -> Activity:
    """Send a submitted activity back to its agency with the reason (see move_activity)."""
    return move_activity(
        actor=actor, activity=activity, version=version, action="return", reason=reason
    )


def reopen_activity(*, actor: User, activity: Activity, version: int, reason: str) -> Activity:
    """Unlock an accepted activity so that its agency can correct it (see move_activity)."""
    return move_activity(
        actor=actor, activity=activity, version=version, action="reopen", reason=reason
    )


@dataclass(frozen=True)
class BulkResult:
    done: list[Activity]
    skipped: list[tuple[int, str]]  # (activity id, why)


def review_many(
    *, actor: User, versions: dict[int, int], action: str, reason: str = ""
) -> BulkResult:
    """Make the move `action` (one of BULK_MOVES: "accept" or "return") on several activities,
    `versions` mapping each activity id to the version the reviewer saw. Each is its own
    transaction, so one that someone else handled meanwhile is skipped with the reason and
    the others go through; an activity the actor may not review in its current status is
    skipped as "not found" (its existence does not leak). Raises ActivityError for an action
    that is not a bulk one, or a missing reason when the move needs one."""
    if action not in {move.name for move in BULK_MOVES}:
        raise ActivityError(_("Choose whether to accept or to return the ticked activities."))
    transition = WORKFLOW[action]
    if transition.needs_reason:
        reason = _reason(reason)
    done, skipped = [], []
    candidates = (
        Activity.objects.reviewable_by(actor)
        .filter(status__in=transition.sources)
        .in_bulk(list(versions))
    )
    for pk, version in versions.items():
        activity = candidates.get(pk)
        if activity is None:
            skipped.append((pk, _("not found")))
            continue
        try:
            done.append(
                move_activity(
                    actor=actor, activity=activity, version=version, action=action, reason=reason
                )
            )
        except ActivityError as exc:
            skipped.append((pk, str(exc)))
    return BulkResult(done=done, skipped=skipped)


@transaction.atomic
def add_attachment(*, actor: User, activity: Activity, upload: UploadedFile) -> Attachment:
    """Keep a file as evidence of an editable activity, after checking what it really is."""
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    _require(
        actor,
        Action.ACT,
        locked.agency,
        _("You may not add files to activities of %(agency)s.") % {"agency": locked.agency},
    )
    if not locked.is_editable:
        raise ActivityError(_("Files can be added only while the activity is a draft or returned."))
    try:
        kind = validate_attachment(upload)
    except ValidationError as exc:
        raise ActivityError(" ".join(exc.messages)) from None
    attachment = Attachment.store(
        upload=upload, content_type=kind.content_type, actor=actor, activity=locked
    )
    _record(locked, actor, _("File added: %(name)s") % {"name": attachment.original_name})
    return attachment


@transaction.atomic
def delete_attachment(*, actor: User, attachment: Attachment) -> None:
    """Remove a file from an editable activity (the row is locked: not while it is reviewed)."""
    locked = Activity.objects.select_for_update().get(pk=attachment.activity_id)
    _require(
        actor,
        Action.ACT,
        locked.agency,
        _("You may not remove files of activities of %(agency)s.") % {"agency": locked.agency},
    )
    if not locked.is_editable:
        raise ActivityError(
            _("Files can be removed only while the activity is a draft or returned.")
        )
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    _record(locked, actor, _("File removed: %(name)s") % {"name": attachment.original_name})
    transaction.on_commit(lambda: storage.delete(name))


def _record(activity: Activity, actor: User, reason: str) -> None:
    """A history entry for a change that is not in the activity's own columns."""
    activity._history_user = actor
    activity._change_reason = change_reason(reason)
    activity.save(update_fields=["updated_at"])


def get_or_create_partner(*, name: str, kind: str, country: str = "") -> Partner:
    """The partner named `name` (cleaned as a form would: one line, composed, one space
    between words) in `country`, made of `kind` if new. Raises ActivityError with a
    Vietnamese message for an empty name or an unknown kind."""
    name = " ".join(clean_text(name).split())
    if not name:
        raise ActivityError(_("The partner needs a name."))
    if kind not in Partner.Kind.values:
        raise ActivityError(_("Unknown kind of partner."))
    partner, _created = Partner.objects.get_or_create(
        name=name, country=country, defaults={"kind": kind}
    )
    return partner


def refresh_partner_search(partner: Partner) -> int:
    """Re-fold the search text of the activities that name `partner` (after a rename)."""
    activities = list(
        Activity.objects.filter(Q(partners=partner) | Q(donor=partner))
        .distinct()
        .prefetch_related("partners")
    )
    for activity in activities:
        activity.refresh_search_text([p.name for p in activity.partners.all()])
    Activity.objects.bulk_update(activities, ["search_text"], batch_size=1000)
    return len(activities)
