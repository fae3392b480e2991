-- +goose Up
-- A recipient's remembered device: after a right code, the browser keeps a
-- 256-bit random token (a cookie); this row keeps its SHA-256, bound to one
-- organisation and one recipient address. proof is an HMAC of the
-- verification data (method, number or access-code hash) the code proved:
-- a message whose data differs is not opened by the device. The row is
-- removed when that data changes in the address book, the recipient is
-- locked, the recipient forgets the device or an admin revokes it.
CREATE TABLE remembered_devices (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,
    org_id        BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    address       TEXT    NOT NULL,
    domain        TEXT    NOT NULL,
    proof         TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX remembered_devices_address ON remembered_devices(org_id, address);
CREATE INDEX remembered_devices_domain ON remembered_devices(org_id, domain);

-- +goose Down
DROP TABLE remembered_devices;
