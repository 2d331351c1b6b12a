-- Languages: the shopkeeper's (chosen on the login/sign-up pages or Account, applied on every
-- device at login) and each customer's (their reminders and statements).
-- NULL means "not chosen": for a shopkeeper the browser's Accept-Language decides; for a
-- customer the shop's default applies, which is the owner's language (English when unset).
-- Codes are the app's (khata.i18n.LANGUAGES: en, hi, mr, gu, bn, ta, te, kn); the services
-- refuse any other.

ALTER TABLE shopkeepers ADD COLUMN language VARCHAR;
ALTER TABLE customers ADD COLUMN language VARCHAR;
