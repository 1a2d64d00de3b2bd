#!/bin/sh
# The app of the stack example and test: a CGI script that busybox httpd
# runs for every request. It reaches the other members by their stack
# names: redis as `cache`, in redis's own protocol, and postgres as `db`,
# with the first message of postgres's protocol (a TLS request of 8 bytes,
# which postgres answers with one: N for "no TLS", S for "yes").
printf 'Content-Type: text/plain\r\n\r\n'
printf 'INCR visits\r\nGET greeting\r\nQUIT\r\n' | nc cache 6379 | tr -d '\r' | {
	read -r visits
	read -r _length
	read -r greeting
	echo "visits=${visits#:}"
	echo "greeting=$greeting"
}
echo "db=$(printf '\000\000\000\010\004\322\026\057' | nc db 5432)"
