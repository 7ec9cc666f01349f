import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import modelcluster.fields
from django.conf import settings
from django.db import migrations, models

import wagtail_passes.bounds
from wagtail_passes.compat import PAGE_MODEL

OWNED = ("booking", "memberpass", "registration", "waitlistentry")


def every_member_a_household_of_one(apps, schema_editor):
    """F1: each member who owns a pass, booking, waiting-list entry, registration or
    ordered product gets their own person, and those rows belong to it (an order line, the
    person its passes are for). Nothing else changes."""
    from django.db.models import OuterRef, Subquery

    Person = apps.get_model("wagtail_passes", "Person")
    OrderLine = apps.get_model("wagtail_passes", "OrderLine")
    members = set()
    for name in OWNED:
        model = apps.get_model("wagtail_passes", name)
        members.update(model.objects.values_list("member_id", flat=True).distinct())
    products = OrderLine.objects.filter(product__isnull=False)
    members.update(products.values_list("order__member_id", flat=True).distinct())
    Person.objects.bulk_create(
        [Person(account_id=member, is_holder=True) for member in sorted(members)],
        batch_size=1000,
    )
    holder = Person.objects.filter(account_id=OuterRef("member_id"), is_holder=True)
    for name in OWNED:
        model = apps.get_model("wagtail_passes", name)
        model.objects.filter(person__isnull=True).update(
            person_id=Subquery(holder.values("id")[:1])
        )
    # A product line's passes were its order's member's: say so on the line.
    holders = dict(Person.objects.values_list("account_id", "id"))
    for member in products.values_list("order__member_id", flat=True).distinct():
        products.filter(order__member_id=member).update(person_id=holders[member])
    if schema_editor.connection.vendor == "postgresql":
        # The updates left deferred foreign-key checks pending; run them now so the
        # columns can be made NOT NULL in this same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def person_field(on_delete, related, null):
    return models.ForeignKey(
        null=null,
        on_delete=on_delete,
        related_name=related,
        to="wagtail_passes.person",
        verbose_name="attending",
    )


OWNED_FIELDS = [
    ("booking", django.db.models.deletion.PROTECT, "bookings"),
    ("memberpass", django.db.models.deletion.PROTECT, "member_passes"),
    ("registration", django.db.models.deletion.PROTECT, "registrations"),
    ("waitlistentry", django.db.models.deletion.CASCADE, "waitlist_entries"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_passes", "0015_booking_form_token"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(PAGE_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Person",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "is_holder",
                    models.BooleanField(
                        default=False, editable=False, verbose_name="the account holder themself"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        blank=True,
                        help_text="A dependant's name. The account holder's comes from their account.",
                        max_length=150,
                        verbose_name="name",
                    ),
                ),
                (
                    "date_of_birth",
                    models.DateField(
                        blank=True,
                        null=True,
                        validators=[wagtail_passes.bounds.YearRangeValidator(1900)],
                        verbose_name="date of birth",
                    ),
                ),
                (
                    "staff_notes",
                    models.TextField(
                        blank=True,
                        help_text="Allergies, who collects them, anything the front desk should know.",
                        max_length=2000,
                        verbose_name="notes for staff",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="added at")),
                (
                    "removed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="removed at"),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="passes_people",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="account holder",
                    ),
                ),
            ],
            options={
                "verbose_name": "person",
                "verbose_name_plural": "people",
                "ordering": ["-is_holder", "name", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_holder", True)),
                        fields=("account",),
                        name="passes_person_one_holder_per_account",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("is_holder", True),
                            models.Q(("name", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="passes_person_dependant_named",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("is_holder", False), ("removed_at__isnull", True), _connector="OR"
                        ),
                        name="passes_person_holder_not_removed",
                    ),
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"),
                        models.F("account"),
                        condition=models.Q(("is_holder", False), ("removed_at__isnull", True)),
                        name="passes_person_names_differ",
                    ),
                ],
            },
        ),
        *[
            migrations.AddField(
                model_name=model, name="person", field=person_field(on_delete, related, True)
            )
            for model, on_delete, related in OWNED_FIELDS
        ],
        migrations.AddField(
            model_name="orderline",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="order_lines",
                to="wagtail_passes.person",
                verbose_name="for",
            ),
        ),
        migrations.RunPython(every_member_a_household_of_one, migrations.RunPython.noop),
        *[
            migrations.AlterField(
                model_name=model, name="person", field=person_field(on_delete, related, False)
            )
            for model, on_delete, related in OWNED_FIELDS
        ],
        migrations.RemoveConstraint(
            model_name="booking", name="passes_booking_one_active_per_member"
        ),
        migrations.RemoveConstraint(
            model_name="registration", name="wagtail_passes_registration_once"
        ),
        migrations.RemoveConstraint(
            model_name="waitlistentry", name="passes_waitlist_once_per_member"
        ),
        migrations.AddIndex(
            model_name="memberpass",
            index=models.Index(fields=["person", "status"], name="passes_pass_person_status"),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "cancelled"), _negated=True),
                fields=("person", "session"),
                name="passes_booking_one_active_per_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.UniqueConstraint(
                condition=models.Q(("withdrawn_at__isnull", True)),
                fields=("person", "programme"),
                name="wagtail_passes_registration_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="waitlistentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "waiting")),
                fields=("person", "session"),
                name="passes_waitlist_once_per_person",
            ),
        ),
        # F2: who may hold a product, by age on the session's date.
        migrations.AddField(
            model_name="memberpass",
            name="max_age",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="up to age"),
        ),
        migrations.AddField(
            model_name="memberpass",
            name="min_age",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="from age"),
        ),
        migrations.CreateModel(
            name="ProductAgeLimit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "min_age",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="from age",
                    ),
                ),
                (
                    "max_age",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Included: up to 12 lets a 12-year-old in, not a 13-year-old.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="up to age",
                    ),
                ),
                (
                    "product",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="passes_age_limits",
                        to=PAGE_MODEL,
                        verbose_name="product",
                    ),
                ),
            ],
            options={
                "verbose_name": "age range",
                "verbose_name_plural": "age ranges",
                "constraints": [
                    models.UniqueConstraint(fields=("product",), name="passes_age_limit_once"),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("min_age__isnull", False), ("max_age__isnull", False), _connector="OR"
                        ),
                        name="passes_age_limit_bounded",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("min_age__isnull", True),
                            ("max_age__isnull", True),
                            ("min_age__lte", models.F("max_age")),
                            _connector="OR",
                        ),
                        name="passes_age_limit_ordered",
                    ),
                ],
            },
        ),
    ]
