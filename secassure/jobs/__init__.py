"""Background jobs: the long pieces of work (a submission pack, a workbook import, re-hashing an
organisation's files, the daily reminders) queued through Django's tasks interface and run by
``secassure worker``, with who asked, how far they have got and what came of it."""
