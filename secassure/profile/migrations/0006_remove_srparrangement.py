# The arrangements now live on the providers (previous migration); their own table goes. A separate
# migration, so that PostgreSQL alters the table after the data moved, not in the same transaction.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('partyprofile', '0005_srp_arrangements_into_providers'),
    ]

    operations = [
        migrations.RemoveField(model_name='usersystem', name='srp_arrangement'),
        migrations.DeleteModel(name='SrpArrangement'),
    ]
