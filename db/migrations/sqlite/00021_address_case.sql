-- +goose Up
-- Sign-in, SMTP AUTH and the intake find a user by address without regard
-- to case (Store.UserByAddress, Store.addressFree): people type
-- J.Jansen@… for j.jansen@…, and an address belongs to one owner in any
-- case. These indexes serve lower(address) = lower(?) instead of a scan.
CREATE INDEX users_email_lower ON users(lower(email));
CREATE INDEX user_aliases_address_lower ON user_aliases(lower(address));
CREATE INDEX groups_address_lower ON groups(lower(address));

-- +goose Down
DROP INDEX groups_address_lower;
DROP INDEX user_aliases_address_lower;
DROP INDEX users_email_lower;
