# SPDX-License-Identifier: BSD-2-Clause
"""Postfix as the oracle with strict_rfc821_envelopes = yes: the envelope
forms of tests/oracle/forms.txt again, under the setting an operator can
tighten (doc/oracle.md)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

oracle.main(("envelope",), {"strict_rfc821_envelopes": "yes"})
