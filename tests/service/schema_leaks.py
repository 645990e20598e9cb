"""A schemathesis check (loaded with ``SCHEMATHESIS_HOOKS``): no response shows internals.

A body must not hold a Python traceback, a source or package path, SQL, or a path of the
server's own files (its database folder, given in ``ISOFLOW_TEST_DB_DIR``).
"""

from __future__ import annotations

import os
import re
from typing import Any

import schemathesis

LEAKS = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\.py\"|site-packages|\.venv/"
    r"|isoflow/(service|adapters|engines)/|\bsqlite3\.\w+Error|\bSQLITE_\w+"
    # SQL statements (upper case, as the store writes them; an HTML <select> is no SQL)
    r"|\bSELECT\s+[\w*,\s()]+\s+FROM\s+\w+|\bINSERT INTO\s+\w+|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE FROM\s+\w+|\bCREATE (TABLE|TRIGGER|INDEX)\b"
)


@schemathesis.check
def no_internals_in_responses(ctx: Any, response: Any, case: Any) -> None:
    """Fail on a response body that shows a traceback, SQL or a server-side path."""
    del ctx, case
    try:
        text = response.content.decode("utf-8")
    except UnicodeDecodeError:  # a binary body (the signed export's zip): no text to show
        return
    found = LEAKS.search(text)
    if found is not None:
        raise AssertionError(f"the response shows internals: {found.group(0)!r}")
    folder = os.environ.get("ISOFLOW_TEST_DB_DIR")
    if folder and folder in text:
        raise AssertionError("the response names the server's database folder")
