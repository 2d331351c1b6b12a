"""The most rows a screen list shows (the reminder log, the customer list, the audit log): a
page stays quick on a big shop, and a download holds every row. One value, so the query's LIMIT,
the "the first N" note and the test that the note appears all agree."""
ROW_CAP = 500
