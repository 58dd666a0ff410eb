# The bot as a container image: Python's slim Debian image, the runtime requirements only, a user without
# privileges, the SQLite file on a volume (or PostgreSQL through DATABASE_URL). docs/operations.md#the-container.
#
#   docker build -t teams-crm .
#   docker run -d --name crm -p 3978:3978 -v crm-data:/data \
#     -e MicrosoftAppId=... -e MicrosoftAppPassword=... -e MicrosoftAppTenantId=... teams-crm
#   docker run ... -e DATABASE_URL=postgresql://crm:secret@db:5432/crm teams-crm    # PostgreSQL instead
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The pinned runtime requirements only (requirements-dev.txt stays out), in a layer of their own.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# The code, read-only for the bot's user; .dockerignore leaves out tests, tools, docs and any database.
COPY . .
RUN python -m compileall -q app.py bot cards storage \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin crm \
    && mkdir /data && chown crm:crm /data

USER crm

# Listen on every interface of the container; the SQLite file (and its -wal, -shm) on the volume.
ENV HOST=0.0.0.0 \
    PORT=3978 \
    DATABASE_PATH=/data/crm.db
VOLUME ["/data"]
EXPOSE 3978

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; r = u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["python", "app.py"]
