# The explorer on the embedded store, built from the repository's curated data.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md kg.toml ./
COPY kg ./kg
COPY ingest ./ingest
COPY ui ./ui
COPY ontology ./ontology
COPY data ./data
RUN pip install --no-cache-dir . && kg build --quiet
EXPOSE 8501
# Inside the container the explorer must listen on all interfaces; compose publishes it on 127.0.0.1.
CMD ["kg", "ui", "--host", "0.0.0.0", "--port", "8501"]
