"""The main navigation: one list of sections, each a list of links with the roles that see them.

To add a section's pages, append `NavItem`s to its list (or a new `NavSection` to `SECTIONS`); the
header renders them in order for the roles given. Every URL name must reverse: the page tests render
the header for every role, so a misspelt name fails them.
"""

from dataclasses import dataclass, field

from forensics.roles import ADMIN, ANALYST, CURATOR, MANUFACTURER, RESEARCHER

INVESTIGATORS = (ANALYST, CURATOR, RESEARCHER, ADMIN)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...] = ()
    """Who sees the link; empty: every role."""


@dataclass
class NavSection:
    label: str
    items: list[NavItem] = field(default_factory=list)


ANALYSIS = NavSection(
    "Analysis",
    [
        NavItem("Dashboard", "dashboard"),
        NavItem("Weapon systems", "forensics:weapon-system-list"),
        NavItem("Recoveries", "forensics:recovery-list"),
        NavItem("Findings", "forensics:finding-list"),
    ],
)

CATALOG = NavSection(
    "Catalog",
    [
        NavItem("Catalog", "catalog:search"),
        NavItem("Organisations", "catalog:organisation-list", INVESTIGATORS),
        NavItem("Supply chain", "catalog:supply-chain", INVESTIGATORS),
        NavItem("Trace requests", "portal:trace-list", (ANALYST, ADMIN)),
        NavItem("Imports", "catalog:imports", (CURATOR, ADMIN)),
    ],
)
"""Catalog search, part, manufacturer and organisation pages, supply-chain graphs, curator imports."""

MANUFACTURER_PORTAL = NavSection(
    "Manufacturer portal",
    [
        NavItem("Inbox", "portal:inbox", (MANUFACTURER,)),
        NavItem("Our findings", "portal:finding-list", (MANUFACTURER,)),
        NavItem("Trace requests", "portal:trace-list", (MANUFACTURER,)),
        NavItem("Webhooks", "portal:webhook-list", (MANUFACTURER,)),
        NavItem("Contacts", "portal:contact-list", (MANUFACTURER,)),
    ],
)
"""Inbox, redacted findings, trace requests, webhook endpoints and contacts (manufacturer users)."""

SECTIONS = [ANALYSIS, CATALOG, MANUFACTURER_PORTAL]
