#!/usr/bin/env bash
# Wheels the GPU image lacks for serving the app there (`BENCHES=load bash bench/gpu_check.sh`):
# Streamlit, plotly and what they need beyond the image's own packages, at the versions pinned in
# requirements.txt and tested here, for the image's Python 3.12. Run here, where pip reaches
# PyPI; the GPU machine reaches nothing. `.whl/` is git-ignored and travels by `carry`.
set -euo pipefail
cd "$(dirname "$0")/.."
platforms=()
for tag in manylinux_2_28 manylinux_2_27 manylinux_2_17 manylinux2014 manylinux1 manylinux_2_5; do
  platforms+=(--platform "${tag}_x86_64")
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp "${platforms[@]}" -d .whl \
  streamlit==1.67.0 plotly==7.1.0 orjson==3.13.0 altair==6.3.0 pydeck==0.9.3 \
  starlette==1.10.0 uvicorn==0.54.0 python-multipart==0.0.34 websockets==17.4 \
  itsdangerous==2.2.0 watchdog==7.1.0 jsonschema==4.26.0 jsonschema-specifications==2025.9.1 \
  referencing==0.37.0 rpds-py==0.30.0 narwhals==2.29.0 protobuf==7.36.2
du -sh .whl
