"""The unique strings planted in the demo export by the ``planted_demo`` fixture."""

from __future__ import annotations


def marker(slug: str) -> str:
    return "ZQMARK" + slug.replace("-", "").upper()


def planted_email(slug: str) -> str:
    return f"leak.{slug.replace('-', '')}@example.net"


PLANTED_PHONE = "07700 900461"
