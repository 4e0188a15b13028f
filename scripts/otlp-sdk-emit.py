#!/usr/bin/env python3
"""Emits a few logs through the OpenTelemetry Python SDK (LoggingHandler -> BatchLogRecordProcessor ->
OTLPLogExporter, OTLP/HTTP protobuf) to an OTLP endpoint, as an instrumented service would.

Used by Vigil's integration test (OTLPSDKTests): `otlp-sdk-emit.py ENDPOINT [TOKEN]`. Prints one JSON line with the
trace and span ids of the span the first record was logged in, and exits 1 if any export did not succeed.
Pinned for the test: opentelemetry-sdk==1.45.2 opentelemetry-exporter-otlp-proto-http==1.45.2.
"""
import json
import logging
import sys
import warnings

warnings.simplefilter("ignore")  # LoggingHandler's deprecation notice is not what the test looks at

from opentelemetry import trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

endpoint = sys.argv[1]
headers = {"Authorization": "Bearer " + sys.argv[2]} if len(sys.argv) > 2 else None

results = []


class RecordingExporter(OTLPLogExporter):
    def export(self, batch):
        result = super().export(batch)
        results.append(result)
        return result


resource = Resource.create({
    "service.name": "checkout-py",
    "service.version": "2.0.1",
    "deployment.environment": "test",
    "k8s.pod.name": "checkout-0",
    "team": "payments",
})
provider = LoggerProvider(resource=resource)
set_logger_provider(provider)
provider.add_log_record_processor(BatchLogRecordProcessor(RecordingExporter(endpoint=endpoint, headers=headers, timeout=10)))
logging.getLogger().addHandler(LoggingHandler(level=logging.DEBUG, logger_provider=provider))
logging.getLogger().setLevel(logging.DEBUG)

trace.set_tracer_provider(TracerProvider(resource=resource))
tracer = trace.get_tracer("emit")
log = logging.getLogger("shop.payments")

with tracer.start_as_current_span("charge") as span:
    context = span.get_span_context()
    log.info("order placed", extra={"order.id": "o-17", "amount": 12.5, "attempt": 2})
log.warning("card issuer slow")
try:
    raise ValueError("card declined")
except ValueError:
    log.exception("charge failed")

provider.shutdown()
print(json.dumps({"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x"),
                  "exports": len(results)}))
ok = results and all(r.name == "SUCCESS" for r in results)
sys.exit(0 if ok else 1)
