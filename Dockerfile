# 两个责任 — production image: gunicorn (web), celery worker and celery beat share it.
# Build:  docker build -t liangge-zeren .      Run: see docker-compose.yml and README "Production".
FROM python:3.11-slim

# The code runs from /app (PYTHONPATH): templates/, static/ and locale/ live beside the packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=liangge_zeren.settings \
    PYTHONPATH=/app \
    VAR_DIR=/data/var \
    MEDIA_ROOT=/data/uploads \
    STATIC_ROOT=/app/staticfiles \
    DEBUG=0 \
    PORT=8000

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
 && mkdir -p /app /data/var /data/uploads \
 && chown -R app:app /app /data

WORKDIR /app

# 1. Dependencies only, so this layer is cached until pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# 1b. LDAP / Active Directory login (LDAP_ENABLED=1) needs python-ldap, built against libldap:
#     docker build --build-arg WITH_LDAP=1 -t liangge-zeren .
ARG WITH_LDAP=0
RUN if [ "$WITH_LDAP" = "1" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends gcc libc6-dev libldap2-dev libsasl2-dev \
        && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['ldap']))" > /tmp/ldap.txt \
        && pip install -r /tmp/ldap.txt \
        && rm -rf /tmp/ldap.txt /var/lib/apt/lists/*; \
    fi

# 2. The project itself (pip install . finds every dependency already there).
COPY --chown=app:app . .
RUN pip install --no-deps . && rm -rf build *.egg-info

USER app

# Static files are collected into the image and served by WhiteNoise (manifest storage).
# The throwaway key exists only for this command; it is not stored in the image.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    python manage.py collectstatic --noinput --verbosity 0

VOLUME ["/data/uploads"]
EXPOSE 8000

# Workers, threads, timeouts: gunicorn.conf.py (GUNICORN_WORKERS, GUNICORN_THREADS, ...).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "liangge_zeren.wsgi:application"]
