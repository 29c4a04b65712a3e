"""Sendmail as the oracle: every form of tests/oracle/forms.txt (envelope
and header) must get from ccguard, in the daemon and in "ccguard -t", the
verdict that a private Sendmail 8.17's delivery calls for (doc/oracle.md;
SPDX-License-Identifier: BSD-2-Clause)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sendmail_oracle  # noqa: E402

sendmail_oracle.main()
