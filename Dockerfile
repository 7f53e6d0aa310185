# Amur Leopard Atlas: the app on port 8501, with every map asset served locally (works offline).
# Build: docker build -t amur-leopard-atlas .    Run: docker run -p 127.0.0.1:8501:8501 amur-leopard-atlas
# The static lesson for a CDN or the pool's nginx:  docker build --target lesson -t amur-leopard-atlas-lesson .
# The replica pool: deploy/compose/compose.yaml and deploy/k8s/ (docs/deploy.md section 3).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false STREAMLIT_SERVER_HEADLESS=true

WORKDIR /app
# Only the runtime packages (tests and browser drivers stay out of the image).
COPY requirements.txt .
RUN sed -n '1,/^# Tests/p' requirements.txt | grep -v '^#' > runtime.txt \
    && pip install -r runtime.txt

COPY .streamlit ./.streamlit
COPY dashboard ./dashboard
COPY data ./data

# The static lesson (python -m dashboard.export), written from the same data, served by plain nginx.
FROM base AS lesson-build
RUN python -m dashboard.export /lesson

FROM nginx:1.27-alpine AS lesson
COPY deploy/k8s/lesson-nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=lesson-build /lesson /usr/share/nginx/html/lesson

# The app (the default target: the last stage).
FROM base AS app
RUN useradd --create-home atlas
USER atlas
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
# The one start command (dashboard/__main__.py): the app behind its request guard. 0.0.0.0 inside the
# container; publish the port on 127.0.0.1 or put the balancer of deploy/ in front.
CMD ["python", "-m", "dashboard", "--server.address=0.0.0.0", "--server.port=8501"]
