"""Data for the organisation over time: what `is_active` said becomes a closing date, plan
164/KH-UBND gets its validity and how a report cites it, the mass organisations sit under
the Fatherland Front, and every row the history now follows gets its starting history row."""

from django.db import migrations
from django.utils import timezone

from doingoai.history_migrations import start_history

# Plan 164/KH-UBND (agencies/data/164-KH-UBND.txt): in force from its issue; what it
# implements and how the province's reports cite it.
PLAN_164 = {
    "number": "164/KH-UBND",
    "subject": (
        "về thực hiện Đề án theo dõi, tổng hợp, phối hợp, trao đổi thông tin giữa các cơ quan "
        "liên quan trong công tác đối ngoại Nhân dân trên địa bàn tỉnh Bà Rịa - Vũng Tàu"
    ),
    "implements": (
        "Quyết định số 1109/QĐ-TTg ngày 28 tháng 8 năm 2019 của Thủ tướng Chính phủ về việc "
        "phê duyệt Đề án theo dõi, tổng hợp, phối hợp, trao đổi thông tin giữa các cơ quan liên "
        "quan trong công tác đối ngoại Nhân dân"
    ),
}
FATHERLAND_FRONT = "UBMTTQ"
UNDER_THE_FRONT = ["HLHPN", "TINHDOAN", "HND", "HCCB", "LDLD"]
TRACKED = ["Agency", "Membership", "Plan", "LegalBasis", "Duty", "DutyAssignment"]


def complete_plan_164(apps) -> None:
    """Plan 164's validity and citation, and the Front's organisations under it (tests that
    reload the plan's data call this after 0002's load_plan)."""
    Agency = apps.get_model("agencies", "Agency")
    Plan = apps.get_model("agencies", "Plan")
    for plan in Plan.objects.filter(valid_from__isnull=True):
        plan.valid_from = plan.issued_on
        if plan.number == PLAN_164["number"]:
            plan.subject = PLAN_164["subject"]
            plan.implements = PLAN_164["implements"]
        plan.save(update_fields=["valid_from", "subject", "implements"])
    front = Agency.objects.filter(code=FATHERLAND_FRONT).first()
    if front is not None:
        Agency.objects.filter(code__in=UNDER_THE_FRONT, parent__isnull=True).update(parent=front)


def forwards(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    # An agency switched off had no date: it closes on the day of this migration.
    Agency.objects.filter(is_active=False, closed_on__isnull=True).update(
        closed_on=timezone.localdate()
    )
    complete_plan_164(apps)
    for name in TRACKED:
        start_history(apps, "agencies", name)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0006_organisation_over_time")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
