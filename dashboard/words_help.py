"""Short help for the words a shopkeeper may not use without it (collection rate, grace days,
trust score): one text each, shown wherever the word appears (a metric's or a field's help, a
table column's tooltip), so the explanation is the same on every page and in every language."""
from khata.i18n import N_

COLLECTION_RATE = N_("Of all you ever gave on credit, how much has been paid back.")
GRACE_DAYS = N_("Extra days after the due date before the sale counts as late (overdue).")
TRUST_SCORE = N_("Your own mark, 0 to 10, of how surely this customer pays back. Only you see it; "
                 "it changes nothing by itself.")
