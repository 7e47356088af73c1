from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0015_merge_20261201_2224"),
    ]

    operations = [
        migrations.AddField(
            model_name="attendancefacecheck",
            name="reference",
            field=models.CharField(blank=True, max_length=32, verbose_name="reference"),
        ),
        migrations.AddConstraint(
            model_name="attendancefacecheck",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reference", ""), _negated=True), fields=("reference",), name="facecheck_reference"
            ),
        ),
    ]
