# syntax=docker/dockerfile:1
# One image for every OMS service and the back office; the command picks the process:
#   docker run oms services.order        (the default)
#   docker run oms services.inventory
# Settings come from OMS_* environment variables (see deploy/README.md).

ARG PYTHON_IMAGE=python:3.13-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/oms
# README.m[d]: the glob lets the build work while the project has no README yet
# (pyproject.toml names it; setuptools only warns when it is missing).
COPY pyproject.toml README.m[d] ./
COPY shared ./shared
COPY services ./services
COPY omsctl ./omsctl
# A regular (not editable) install without the dev or embedded extras: production talks to a
# real MongoDB, so the image carries neither test tools nor the embedded server.
RUN /opt/oms/bin/pip install .

FROM ${PYTHON_IMAGE}
# A numeric user, so that Kubernetes' runAsNonRoot can verify it without a passwd lookup.
RUN groupadd --system --gid 10001 oms \
    && useradd --system --uid 10001 --gid oms --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin oms
COPY --from=build /opt/oms /opt/oms
ENV PATH=/opt/oms/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    OMS_HTTP_HOST=0.0.0.0
# Not /src: the source tree is not in this image; the packages run from the virtualenv.
WORKDIR /opt/oms
USER 10001:10001
# HTTP (health, metrics, AsyncAPI, queries) of order, approval, inventory, billing, notification,
# backoffice: generated from shared/registry.py by `make generate`.
EXPOSE 8081 8082 8083 8084 8085 8090
# SIGTERM reaches Python directly (exec form, no shell): the service stops consuming, finishes
# in-flight messages and exits 0.
ENTRYPOINT ["python", "-m"]
CMD ["services.order"]
