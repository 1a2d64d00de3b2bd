#!/bin/sh
# Stand-in for the official nginx image's /docker-entrypoint.sh: runs the
# executable *.sh files in /docker-entrypoint.d/ (none ship in this image),
# then prints the line wait strategies look for, then execs the command.
set -e

entrypoint_log() {
	if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
		echo "$@"
	fi
}

if [ "$1" = 'nginx' ] || [ "$1" = 'nginx-debug' ]; then
	if [ -d /docker-entrypoint.d/ ]; then
		entrypoint_log "$0: Looking for shell scripts in /docker-entrypoint.d/"
		find /docker-entrypoint.d/ -follow -type f -print | sort -V | while read -r f; do
			case "$f" in
				*.sh)
					if [ -x "$f" ]; then
						entrypoint_log "$0: Launching $f"
						"$f"
					else
						entrypoint_log "$0: Ignoring $f, not executable"
					fi
					;;
				*) entrypoint_log "$0: Ignoring $f" ;;
			esac
		done
	fi
	entrypoint_log "$0: Configuration complete; ready for start up"
fi

exec "$@"
