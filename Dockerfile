# Amur Leopard Atlas: the app on port 8501, with every map asset served locally (works offline).
# Build: docker build -t amur-leopard-atlas .    Run: docker run -p 8501:8501 amur-leopard-atlas
FROM python:3.11-slim

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

RUN useradd --create-home atlas
USER atlas
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
# The one start command (dashboard/__main__.py): the app behind its request guard. 0.0.0.0 inside the
# container; publish the port on 127.0.0.1 or put the balancer of deploy/ in front.
CMD ["python", "-m", "dashboard", "--server.address=0.0.0.0", "--server.port=8501"]
