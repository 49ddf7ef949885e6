from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "secassure.exchange"
    label = "exchange"
    verbose_name = "Exchange: workbooks, reports, OSCAL and submission packs"
