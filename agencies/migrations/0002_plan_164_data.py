"""Load plan 164/KH-UBND: its agencies, legal bases and duties (sections III and IV).

Idempotent (update_or_create on the stable keys), so re-running it never duplicates a row.
"""

from django.db import migrations

from doingoai.text import fold

from ._plan_164 import AGENCIES, DUTIES, LEGAL_BASES, PLAN


def load_plan(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    Plan = apps.get_model("agencies", "Plan")
    LegalBasis = apps.get_model("agencies", "LegalBasis")
    Duty = apps.get_model("agencies", "Duty")
    DutyAssignment = apps.get_model("agencies", "DutyAssignment")

    agencies = {}
    for position, (code, kind, name, short_name) in enumerate(AGENCIES, 1):
        agencies[code], _ = Agency.objects.update_or_create(
            code=code,
            defaults={
                "position": position,
                "kind": kind,
                "name": name,
                "short_name": short_name,
                "search_text": fold(f"{code} {name} {short_name}"),
            },
        )
    defaults = {k: v for k, v in PLAN.items() if k != "number"}
    if any(f.name == "valid_from" for f in Plan._meta.fields):
        # Reloaded by the tests on today's models (0006 added the validity; 0007 fills it).
        defaults["valid_from"] = PLAN["issued_on"]
    plan, _ = Plan.objects.update_or_create(number=PLAN["number"], defaults=defaults)
    for position, (document_type, number, issued_on, issuer, title) in enumerate(LEGAL_BASES):
        LegalBasis.objects.update_or_create(
            plan=plan,
            number=number,
            defaults={
                "document_type": document_type,
                "issued_on": issued_on,
                "issuer": issuer,
                "title": title,
                "position": position,
            },
        )
    for position, item in enumerate(DUTIES):
        duty, _ = Duty.objects.update_or_create(
            plan=plan,
            ref=item["ref"],
            defaults={
                "heading": item["heading"],
                "text": item["text"],
                "recurrence": item["recurrence"],
                "activity_kinds": item["activity_kinds"],
                "position": position,
            },
        )
        for code in item["agencies"]:
            DutyAssignment.objects.update_or_create(
                duty=duty, agency=agencies[code], defaults={"role": item["role"]}
            )
        duty.coordinating_agencies.set([agencies[code] for code in item["coordinating"]])


def unload_plan(apps, schema_editor):
    Plan = apps.get_model("agencies", "Plan")
    Duty = apps.get_model("agencies", "Duty")
    Duty.objects.filter(plan__number=PLAN["number"]).delete()
    Plan.objects.filter(number=PLAN["number"]).delete()


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]

    operations = [migrations.RunPython(load_plan, unload_plan)]
