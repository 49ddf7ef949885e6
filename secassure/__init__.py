"""secassure: a workbench for Smart Energy Code (SEC) User security assurance."""

__version__ = "0.1.0"
