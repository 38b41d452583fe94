#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doingoai.settings")
    # A checkout without a SECRET_KEY is a developer's: manage.py then defaults to DEBUG, so
    # `python manage.py makemigrations` just works. Servers (wsgi.py, asgi.py, Celery) get no
    # such default, and production always sets SECRET_KEY, so there DEBUG stays off.
    if not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
