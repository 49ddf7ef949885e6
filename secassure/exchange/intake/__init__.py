"""Taking in a client's own spreadsheets: a Validation Workbook, SSA answers, a risk register or a
document list in whatever layout the client or its consultancy used.

``tables`` reads a sheet of a foreign file safely into text cells; ``fields`` says what each kind of
intake can fill and proposes a column and value mapping; ``taking`` previews what the mapped rows
would become and applies them all or nothing."""
