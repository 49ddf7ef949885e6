"""Exchange: what leaves and comes back into secassure as files: the Validation Workbook and the
questionnaire (export and import), CSV files, the PDF report, OSCAL, and the submission pack."""
