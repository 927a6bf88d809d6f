# One image for web, worker and beat; see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/app/var \
    MODELS_DIR=/app/var/models

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config config
COPY articles articles
COPY discussion discussion
COPY moderation moderation
RUN pip install --no-cache-dir .
COPY manage.py ./
COPY seeds seeds
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && useradd --create-home stammtisch && mkdir -p /app/var/models && chown -R stammtisch /app/var
USER stammtisch
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
