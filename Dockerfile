# One image for web, workers and beat; see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/app/var \
    MODELS_DIR=/app/var/models \
    LOG_FORMAT=json

WORKDIR /app
COPY . .
# Editable, so that the code runs from /app with its templates and static files.
RUN pip install --no-cache-dir -e . \
    && DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && useradd --create-home stammtisch \
    && mkdir -p /app/var/models /app/var/reports \
    && chown -R stammtisch /app/var
USER stammtisch
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--config", "python:config.gunicorn_conf", "--bind", "0.0.0.0:8000"]
