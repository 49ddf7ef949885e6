"""``secassure runserver``: Django's development server, serving static files as it does, sending each
answer at once (see secassure.web.devserver). secassure.web comes before django.contrib.staticfiles
in INSTALLED_APPS, so that this command is the one run."""

from django.contrib.staticfiles.management.commands.runserver import Command as StaticFilesRunserver

from secassure.web.devserver import DevelopmentServer


class Command(StaticFilesRunserver):
    server_cls = DevelopmentServer
