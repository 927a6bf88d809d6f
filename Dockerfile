# One image for web, workers and beat; see docker-compose.yml.
# PYTHON_IMAGE: another registry's copy or a pinned digest of python:3.11-slim.
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/app/var \
    MODELS_DIR=/app/var/models \
    DATASETS_DIR=/app/var/datasets \
    LOG_FORMAT=json

WORKDIR /app
# Dependencies first, in a layer of their own: a change to the code rebuilds in seconds.
COPY pyproject.toml .
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt
COPY . .
# Editable, so that the code runs from /app with its templates and static files.
RUN pip install --no-cache-dir --no-deps -e . \
    && DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && useradd --create-home stammtisch \
    && mkdir -p /app/var/models /app/var/reports /app/var/datasets \
    && chown -R stammtisch /app/var
USER stammtisch
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--config", "python:config.gunicorn_conf", "--bind", "0.0.0.0:8000"]
