#!/usr/bin/env bash
# Make sure nginx, the replica pool's load balancer (deploy/, `make pool`, tests/deploy/test_pool.py),
# is installed: the Debian package. The tests start their own nginx on 127.0.0.1; the system service
# is not needed (and not started where the system refuses it).
exec bash "$(dirname "$0")/ensure_system_package.sh" /usr/sbin/nginx nginx "the replica pool tests (tests/deploy/test_pool.py)"
