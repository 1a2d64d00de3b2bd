#!/usr/bin/env bash
# Stand-in for the official postgres image's docker-entrypoint.sh, cut down to
# the parts dockhand relies on: the same env variables, the same first-start
# sequence (initdb, temporary socket-only server, /docker-entrypoint-initdb.d,
# "PostgreSQL init process complete; ready for start up."), then the real
# server in the foreground.
set -Eeo pipefail

# `docker run IMG -c fsync=off` means `postgres -c fsync=off`.
if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi
if [ "$1" != 'postgres' ]; then
	exec "$@"
fi

export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
export POSTGRES_PASSWORD

mkdir -p "$PGDATA" || :
chmod 00700 "$PGDATA" || :
# As root: make the data and socket directories ours, then come back as postgres.
if [ "$(id -u)" = '0' ]; then
	mkdir -p /var/run/postgresql
	chmod 03775 /var/run/postgresql
	find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

# psql as the superuser over the unix socket, stopping at the first error.
process_sql() {
	local psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	if [ -n "$POSTGRES_DB" ]; then
		psql+=(--dbname "$POSTGRES_DB")
	fi
	PGHOST= PGHOSTADDR= "${psql[@]}" "$@"
}

if [ -s "$PGDATA/PG_VERSION" ]; then
	printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
	exec "$@"
fi

if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
	cat >&2 <<-'EOM'
		Error: Database is uninitialized and superuser password is not specified.
		       You must specify POSTGRES_PASSWORD to a non-empty value for the
		       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

		       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
		       connections without a password. This is *not* recommended.
	EOM
	exit 1
fi

# initdb; POSTGRES_INITDB_ARGS is word-split on purpose, as upstream does.
eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"

# Listen everywhere; remote clients authenticate with the default password
# encryption (scram-sha-256) unless POSTGRES_HOST_AUTH_METHOD says otherwise.
printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
: "${POSTGRES_HOST_AUTH_METHOD:=$(postgres -C password_encryption "${@:2}")}"
printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

# Temporary server on the unix socket only.
export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -w start \
	-o "$(printf '%q ' "${@:2}" -c listen_addresses='' -p "${PGPORT:-5432}")"

if [ "$POSTGRES_DB" != 'postgres' ] &&
	[ -z "$(POSTGRES_DB= process_sql --dbname postgres --tuples-only --set db="$POSTGRES_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db'")" ]; then
	POSTGRES_DB= process_sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
fi

printf '\n'
for f in /docker-entrypoint-initdb.d/*; do
	[ -e "$f" ] || continue
	case "$f" in
		*.sh)
			if [ -x "$f" ]; then
				printf '%s: running %s\n' "$0" "$f"
				"$f"
			else
				printf '%s: sourcing %s\n' "$0" "$f"
				. "$f"
			fi
			;;
		*.sql) printf '%s: running %s\n' "$0" "$f"; process_sql -f "$f" ;;
		*.sql.gz) printf '%s: running %s\n' "$0" "$f"; gunzip -c "$f" | process_sql ;;
		*) printf '%s: ignoring %s\n' "$0" "$f" ;;
	esac
	printf '\n'
done

PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -m fast -w stop
unset PGPASSWORD

printf '\nPostgreSQL init process complete; ready for start up.\n\n'
exec "$@"
