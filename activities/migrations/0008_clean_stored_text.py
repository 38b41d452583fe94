"""Every text already stored in the activities app in the form new text is saved in
(doingoai.text.clean_text), the activities' and partners' search columns folded again, the
histories included.

Partners whose names differ only in form ("Ðoàn" with an Icelandic eth and "Đoàn", composed
and decomposed, a no-break space) are one partner once cleaned, and the table allows one name
per country: each such group becomes its oldest row (its kind and creation time kept), the
activities, donations and history entries of the others moved to it, one transaction per
group; the migration prints each merge (the ids and names merged, the id kept, a kind that
differed). Merging is safe here: a partner is only a name the activities point at, and every
reference is moved. Not atomic: each merge and each batch of rows is its own transaction, and
a second run finds nothing to change. Going back changes nothing (the merged partners stay
merged).
"""

from collections import defaultdict

from django.db import migrations, transaction

from doingoai.text import clean_text, fold
from doingoai.text_migrations import clean_stored_rows


def merge_partners(apps, db) -> None:
    Partner = apps.get_model("activities", "Partner")
    groups = defaultdict(list)
    partners = Partner.objects.using(db).order_by("created_at", "pk")
    for pk, name, kind, country in partners.values_list("pk", "name", "kind", "country"):
        groups[(clean_text(name), country)].append((pk, name, kind))
    for (cleaned, country), rows in groups.items():
        if len(rows) > 1:
            with transaction.atomic(using=db):
                merge_group(apps, db, kept=rows[0][0], others=[pk for pk, *_ in rows[1:]])
            named = ", ".join(f"{pk} {name!r}" for pk, name, _kind in rows)
            place = country or "no country"
            line = f"Partners {named} ({place}) are one, {cleaned!r}: kept {rows[0][0]}"
            kinds = sorted({kind for _pk, _name, kind in rows})
            if len(kinds) > 1:
                line += f"; their kinds differed ({', '.join(kinds)}): kept {rows[0][2]!r}"
            print(line)


def merge_group(apps, db, *, kept: int, others: list[int]) -> None:
    Partner = apps.get_model("activities", "Partner")
    Activity = apps.get_model("activities", "Activity")
    HistoricalActivity = apps.get_model("activities", "HistoricalActivity")
    HistoricalPartners = apps.get_model("activities", "HistoricalActivity_partners")
    links = Activity.partners.through.objects.using(db)
    # One link per activity and partner: a link that would repeat one is dropped.
    for other in others:
        also = links.filter(partner_id=kept).values("activity_id")
        links.filter(partner_id=other, activity_id__in=also).delete()
        links.filter(partner_id=other).update(partner_id=kept)
    Activity.objects.using(db).filter(donor_id__in=others).update(donor_id=kept)
    HistoricalActivity.objects.using(db).filter(donor_id__in=others).update(donor_id=kept)
    HistoricalPartners.objects.using(db).filter(partner_id__in=others).update(partner_id=kept)
    Partner.objects.using(db).filter(pk__in=others).delete()


def clean_activities(apps, schema_editor):
    db = schema_editor.connection.alias
    merge_partners(apps, db)

    def activity_search(activity) -> str:
        names = [p.name for p in activity.partners.all()]
        return fold(" ".join([activity.title, activity.place, activity.description, *names]))

    derived = {
        "partner": {"search_text": lambda partner: fold(partner.name)},
        "activity": {"search_text": activity_search},
    }
    prefetch = {"activity": ["partners"]}
    # Partners first: the activities' search column folds their cleaned names.
    models = sorted(
        apps.get_app_config("activities").get_models(),
        key=lambda model: model._meta.model_name != "partner",
    )
    for model in models:
        name = model._meta.model_name
        clean_stored_rows(
            model, derived=derived.get(name), prefetch=prefetch.get(name, ()), using=db
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("activities", "0007_reviewer_verbose_names")]

    operations = [migrations.RunPython(clean_activities, migrations.RunPython.noop, elidable=True)]
