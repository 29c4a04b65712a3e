# SPDX-License-Identifier: BSD-2-Clause
"""Postfix as the oracle, Debian's default Postfix settings: every form of
tests/oracle/forms.txt (envelope and header) must get from ccguard, in the
daemon and in "ccguard -t", the verdict that Postfix's delivery calls for
(doc/oracle.md)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

oracle.main(("envelope", "header"))
