#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doingoai.settings")
    # A checkout with neither a SECRET_KEY nor a server database is a developer's: manage.py
    # then defaults to DEBUG, so `python manage.py makemigrations` just works. A server has a
    # PostgreSQL DATABASE_URL, so there DEBUG stays off (and seed_demo refuses to run);
    # wsgi.py, asgi.py and Celery never get this default.
    database = os.environ.get("DATABASE_URL", "")
    if not os.environ.get("SECRET_KEY") and (not database or database.startswith("sqlite")):
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
