from django.apps import AppConfig


class ProfileConfig(AppConfig):
    name = "secassure.profile"
    label = "partyprofile"
    verbose_name = "Party profile"
