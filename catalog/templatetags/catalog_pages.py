"""Small filters of the catalog pages."""

from django import template

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """`authorized_distributor` -> `Authorized distributor`."""
    text = (role or "").replace("_", " ")
    return text[:1].upper() + text[1:]
