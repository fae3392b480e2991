#!/bin/sh
# Writes the secret files deploy/compose.yaml reads, once: it never
# overwrites one that exists. Run it as root (or with sudo) in this folder,
# so that the master key can be handed to the user the image runs as.
# Needs age-keygen (Debian and Ubuntu: apt install age; macOS: brew install age).
set -eu
umask 077
mkdir -p secrets
cd secrets

random() { head -c 32 /dev/urandom | base64 | tr -d '+/=\n' | cut -c1-40; }

write() { # name value
	if [ -e "$1" ]; then
		echo "kept    secrets/$1"
	else
		printf '%s\n' "$2" > "$1"
		echo "created secrets/$1"
	fi
}

if [ ! -e postgres_password ]; then
	pw=$(random)
	write postgres_password "$pw"
	write database_url "postgres://sluis:$pw@postgres:5432/sluis?sslmode=disable"
fi
write s3_access_key "sluis$(random | cut -c1-15)"
write s3_secret_key "$(random)"
write relay_url "smtp://user:password@mail.example.org:587"

if [ ! -e master_key ]; then
	age-keygen -o master_key 2>/dev/null
	echo "created secrets/master_key (back it up now, apart from everything else)"
fi
# Sluis runs as user 10001 and refuses a key that others can read.
chmod 400 master_key
chown 10001:10001 master_key 2>/dev/null ||
	echo "could not give secrets/master_key to user 10001: run this script as root, or chown it yourself" >&2
chmod 444 postgres_password database_url s3_access_key s3_secret_key relay_url

echo
echo "Now put your relay in secrets/relay_url and SLUIS_DOMAIN=… in .env, then: docker compose up -d"
