#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# test-stress.sh - run the milter-protocol load test (stress.py) against
# the built daemon; skips when python3 is missing.
: "${top_srcdir:=.}" "${PYTHON3:=}"
[ -n "$PYTHON3" ] || PYTHON3=$(command -v python3 || true)
[ -n "$PYTHON3" ] || { echo "SKIP: python3 not found"; exit 77; }
exec "$PYTHON3" "$top_srcdir/tests/stress/stress.py"
