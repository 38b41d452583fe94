# The production image of the portal: web (gunicorn), worker and beat all run it.
# The PDF's fonts: Liberation (Latin, Vietnamese, Cyrillic), Noto CJK (Han, Kana, Hangul) and
# Noto core (Khmer, Lao, Thai…), ~135 MB; libharfbuzz-subset0 embeds only the glyphs used, fast.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/data
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-liberation2 fonts-noto-cjk fonts-noto-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
RUN DEBUG=1 python manage.py compilemessages --ignore=.venv -v 0 \
    && SECRET_KEY=collectstatic-only DEBUG=0 VAR_DIR=/app/var \
       python manage.py collectstatic --noinput -v 0 \
    && useradd --system --home /app portal && mkdir -p /data && chown portal /data

ENV STATIC_ROOT=/app/var/staticfiles
USER portal
EXPOSE 8000
# The access log leaves out query strings: a calendar subscription link carries its secret
# token there (?token=), and a log must not hand it on.
CMD ["gunicorn", "doingoai.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", \
     "--access-logformat", "%(h)s %(l)s %(u)s %(t)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s %(M)sms"]
