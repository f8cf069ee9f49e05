"""Names are case-insensitive in IAM: placeholder, filled in below."""

from __future__ import annotations
