from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tenancy', '0003_organisation_classification_label'),
    ]

    operations = [
        migrations.AddField(
            model_name='organisation',
            name='dcc_live_since',
            field=models.DateField(blank=True, null=True, verbose_name='a Live DCC User since', help_text=(
                'The date it completed the User Entry Process (SEC Section H1) and became a Live DCC User; leave '
                'empty until then. A Live DCC User using a Shared Resource Provider reports its count of Smart '
                'Metering Systems every six months (G5.27).')),
        ),
    ]
