"""The main navigation: one list of sections, each a list of links with the roles that see them.

To add a section's pages, append `NavItem`s to its list (or a new `NavSection` to `SECTIONS`); the
header renders them in order for the roles given. Every URL name must reverse: the page tests render
the header for every role, so a misspelt name fails them.
"""

from dataclasses import dataclass, field


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

CATALOG = NavSection("Catalog")
"""Catalog search, part, manufacturer and organisation pages, supply-chain graphs, curator imports."""

MANUFACTURER_PORTAL = NavSection("Manufacturer portal")
"""Inbox, redacted findings, trace requests, webhook endpoints and contacts (manufacturer users)."""

SECTIONS = [ANALYSIS, CATALOG, MANUFACTURER_PORTAL]
