#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# e2e_ctl.sh - run e2e_ctl.py (ccguardctl on the hold queue, against a real Postfix).
# It needs Python 3, tests/e2e/harness.py, root and Postfix; without any of
# them it skips (exit 77) and says why.
py=${PYTHON3:-python3}
if ! command -v "$py" >/dev/null 2>&1; then
	echo "SKIP: e2e_ctl: python3 not found"
	exit 77
fi
exec "$py" -B "${top_srcdir:-.}/tests/hold/e2e_ctl.py"
