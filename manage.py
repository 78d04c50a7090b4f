#!/usr/bin/env python
import os
import secrets
import sys

# Commands that only read the code and the static files: they serve nothing and sign nothing, so
# they run without SECRET_KEY (a throwaway key), e.g. `makemigrations --check` in a build step.
# Everything else keeps the production guard of forensics/settings.py.
OFFLINE_COMMANDS = {"makemigrations", "collectstatic"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forensics.settings")
    if sys.argv[1:2] and sys.argv[1] in OFFLINE_COMMANDS and not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings: their refusal, said plainly)
    except ImproperlyConfigured as exc:
        sys.exit(f"manage.py: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
