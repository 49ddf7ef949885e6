# The third-party provider moves from the evidence register to the party profile, keeping its table,
# so that a Shared Resource Provider and the arrangement with it are one record; User Systems point at it.

import django.db.models.deletion
from django.db import migrations, models

KINDS = [('srp', 'Shared Resource Provider'), ('hosting', 'Hosting or cloud provider'), ('map', 'Meter Asset Provider'),
         ('device', 'Device manufacturer'), ('test-house', 'Test house'), ('other', 'Other')]


class Migration(migrations.Migration):

    dependencies = [
        ('partyprofile', '0003_user_system_ssc_decision'),
        ('evidence', '0005_document_questions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ThirdPartyProvider',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('kind', models.CharField(choices=KINDS, default='other', max_length=12)),
                        ('services', models.TextField(blank=True)),
                        ('contacts', models.TextField(blank=True)),
                        ('relationship_start', models.DateField(blank=True, null=True)),
                        ('relationship_end', models.DateField(blank=True, null=True)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                           related_name='providers', to='tenancy.organisation')),
                    ],
                    options={'db_table': 'evidence_thirdpartyprovider', 'ordering': ['organisation', 'name']},
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name='thirdpartyprovider',
            name='party_id',
            field=models.CharField(blank=True, help_text='For a Shared Resource Provider, its SEC Party id.',
                                   max_length=40, verbose_name='SEC Party id'),
        ),
        migrations.AddField(
            model_name='thirdpartyprovider',
            name='notes',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='usersystem',
            name='srp_provider',
            field=models.ForeignKey(blank=True, limit_choices_to={'kind': 'srp'}, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name='user_systems',
                                    to='partyprofile.thirdpartyprovider', verbose_name='Shared Resource Provider'),
        ),
    ]
