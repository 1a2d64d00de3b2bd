#!/bin/sh
# Stand-in for the official redis image's docker-entrypoint.sh.
set -e

# First arg is `--some-option` or `something.conf`: run redis-server with it.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

# Start as root: own the working directory, then come back as redis.
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

# The official image builds redis with protected mode off by default; Debian's
# binary has it on, so turn it off here, unless a config file given first sets
# it, or the first argument is one that redis-server only takes first.
if [ "$1" = 'redis-server' ]; then
	shift
	case "$1" in
		- | -v | --version | -h | --help | --test-memory) ;;
		-* | '') set -- --protected-mode no "$@" ;;
		*)
			conf="$1"
			shift
			if grep -qsE '^[[:space:]]*protected-mode[[:space:]]' "$conf"; then
				set -- "$conf" "$@"
			else
				set -- "$conf" --protected-mode no "$@"
			fi
			;;
	esac
	set -- redis-server "$@"
fi

# Set an appropriate umask (if one isn't set already).
if [ "$(umask)" = '0022' ]; then
	umask 0077
fi

exec "$@"
