# Each arrangement with a Shared Resource Provider becomes (or joins) a provider of that kind, and
# the User Systems run under it point at the provider. Nothing is lost: where a provider of the same
# name already held different dates or details, the arrangement's are kept in the provider's notes.

from django.db import migrations


def _date(day):
    return day.isoformat() if day else "not recorded"


def arrangements_to_providers(apps, schema_editor):
    Arrangement = apps.get_model('partyprofile', 'SrpArrangement')
    Provider = apps.get_model('partyprofile', 'ThirdPartyProvider')
    System = apps.get_model('partyprofile', 'UserSystem')
    for arrangement in Arrangement.objects.order_by('pk'):
        name = arrangement.provider_name.strip()[:200] or 'Shared Resource Provider'
        provider = (Provider.objects.filter(organisation_id=arrangement.organisation_id, kind='srp', name__iexact=name)
                    .order_by('pk').first())
        if provider is None:
            provider = Provider.objects.create(
                organisation_id=arrangement.organisation_id, name=name, kind='srp',
                party_id=arrangement.provider_party_id, relationship_start=arrangement.start_date,
                relationship_end=arrangement.end_date, notes=arrangement.notes)
        else:
            kept = []
            if not provider.party_id:
                provider.party_id = arrangement.provider_party_id
            elif arrangement.provider_party_id and arrangement.provider_party_id != provider.party_id:
                kept.append(f"SEC Party id {arrangement.provider_party_id}")
            for field, value in (('relationship_start', arrangement.start_date),
                                 ('relationship_end', arrangement.end_date)):
                if getattr(provider, field) is None:
                    setattr(provider, field, value)
            if (arrangement.start_date, arrangement.end_date) != (provider.relationship_start, provider.relationship_end):
                kept.append(f"arrangement from {_date(arrangement.start_date)} to {_date(arrangement.end_date)}")
            if arrangement.notes and arrangement.notes not in provider.notes:
                kept.append(arrangement.notes)
            if kept:
                provider.notes = "\n".join(filter(None, [provider.notes,
                                                         "Recorded as a separate arrangement: " + "; ".join(kept)]))
            provider.save()
        System.objects.filter(srp_arrangement_id=arrangement.pk).update(srp_provider_id=provider.pk)


def providers_to_arrangements(apps, schema_editor):
    Arrangement = apps.get_model('partyprofile', 'SrpArrangement')
    Provider = apps.get_model('partyprofile', 'ThirdPartyProvider')
    System = apps.get_model('partyprofile', 'UserSystem')
    for provider in Provider.objects.filter(kind='srp').order_by('pk'):
        arrangement = Arrangement.objects.create(
            organisation_id=provider.organisation_id, provider_name=provider.name, provider_party_id=provider.party_id,
            start_date=provider.relationship_start, end_date=provider.relationship_end, notes=provider.notes)
        System.objects.filter(srp_provider_id=provider.pk).update(srp_arrangement_id=arrangement.pk)


class Migration(migrations.Migration):

    dependencies = [
        ('partyprofile', '0004_providers'),
        ('evidence', '0006_provider_moved'),
    ]

    operations = [
        migrations.RunPython(arrangements_to_providers, providers_to_arrangements),
    ]
