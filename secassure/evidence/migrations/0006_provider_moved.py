# The third-party provider now belongs to the party profile (same table): only Django's record of
# the models changes here, not the database.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0005_document_questions'),
        ('partyprofile', '0004_providers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='document',
                    name='provider',
                    field=models.ForeignKey(blank=True, help_text='Set when a provider maintains it.', null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name='documents',
                                            to='partyprofile.thirdpartyprovider'),
                ),
                migrations.AlterField(
                    model_name='providermember',
                    name='provider',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members',
                                            to='partyprofile.thirdpartyprovider'),
                ),
                migrations.DeleteModel(name='ThirdPartyProvider'),
            ],
            database_operations=[],
        ),
    ]
