#!/usr/bin/env python3
"""Writes the Grafana dashboards of this folder (vigil-*.json) from one description per dashboard.

Run `python3 dashboards/generate.py` after changing a panel; commit the script and the JSON together.
The JSON is what Grafana loads (dashboards/provisioning/dashboards/vigil.yml) and what
Tests/IntegrationTests/DashboardTests.swift checks: statically (units, `${datasource}`, `$__rate_interval`,
metric names in docs/metrics.md) and live (every query against a real Prometheus scraping the agent).
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
RUNBOOKS = "https://github.com/vigil/vigil/blob/main/docs/runbooks"
SEL = 'job="vigil",instance=~"$instance"'


class Dashboard:
    def __init__(self, uid, title, description, variables):
        self.uid, self.title, self.description = uid, title, description
        self.variables = variables
        self.panels = []
        self.annotations = []
        self.next_id = 1
        self.x = 0
        self.y = 0
        self.row_height = 0

    def row(self, title):
        if self.x:
            self.y += self.row_height
        self.x, self.row_height = 0, 0
        self.panels.append({"type": "row", "title": title, "collapsed": False, "id": self._id(),
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def _id(self):
        i = self.next_id
        self.next_id += 1
        return i

    def panel(self, kind, title, targets, unit, description, w=8, h=8, options=None, field=None, links=None,
              transformations=None, decimals=None):
        if self.x + w > 24:
            self.y += self.row_height
            self.x, self.row_height = 0, 0
        defaults = {"unit": unit}
        if decimals is not None:
            defaults["decimals"] = decimals
        defaults.update(field or {})
        p = {
            "type": kind,
            "title": title,
            "description": description,
            "id": self._id(),
            "datasource": DS,
            "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": options or default_options(kind),
            "targets": [],
        }
        for i, t in enumerate(targets):
            expr, legend = t[0], t[1]
            target = {"datasource": DS, "refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend}
            extra = t[2] if len(t) > 2 else {}
            if kind == "table" or extra.get("instant"):
                target.update({"instant": True, "range": False, "format": "table"})
            elif kind == "heatmap":
                target.update({"range": True, "instant": False, "format": "heatmap"})
            else:
                target.update({"range": True, "instant": False})
            p["targets"].append(target)
        if links:
            p["links"] = [{"title": t, "url": u, "targetBlank": True} for t, u in links]
        if transformations:
            p["transformations"] = transformations
        self.panels.append(p)
        self.x += w
        self.row_height = max(self.row_height, h)

    def annotation(self, name, expr, title, text, tags, color):
        self.annotations.append({"name": name, "datasource": DS, "enable": True, "hide": False, "iconColor": color,
                                 "expr": expr, "step": "5s", "titleFormat": title, "textFormat": text,
                                 "tagKeys": tags, "useValueForTime": False})

    def json(self):
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["vigil"],
            "schemaVersion": 39,
            "version": 1,
            "editable": True,
            "graphTooltip": 1,
            "refresh": "30s",
            "time": {"from": "now-1h", "to": "now"},
            "timepicker": {},
            "timezone": "",
            "fiscalYearStartMonth": 0,
            "liveNow": False,
            "weekStart": "",
            "links": [{"title": "Vigil dashboards", "type": "dashboards", "tags": ["vigil"], "asDropdown": True,
                       "includeVars": True, "keepTime": True}],
            "annotations": {"list": self.annotations},
            "templating": {"list": self.variables},
            "panels": self.panels,
        }


def default_options(kind):
    legend = {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []}
    tooltip = {"mode": "multi", "sort": "desc"}
    if kind == "timeseries":
        return {"legend": legend, "tooltip": tooltip}
    if kind == "stat":
        return {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value",
                "graphMode": "area", "justifyMode": "auto", "orientation": "auto", "textMode": "auto"}
    if kind == "state-timeline":
        return {"mergeValues": True, "showValue": "auto", "alignValue": "left", "rowHeight": 0.9,
                "legend": legend, "tooltip": {"mode": "single", "sort": "none"}}
    if kind == "heatmap":
        return {"calculate": False, "cellGap": 1, "color": {"mode": "scheme", "scheme": "Oranges", "fill": "dark",
                                                            "steps": 64, "exponent": 0.5, "reverse": False},
                "yAxis": {"axisPlacement": "left", "unit": "s"}, "rowsFrame": {"layout": "auto"},
                "legend": {"show": True}, "tooltip": {"mode": "single", "yHistogram": True},
                "cellValues": {"unit": "short"}, "filterValues": {"le": 1e-9}}
    if kind == "table":
        return {"showHeader": True, "cellHeight": "sm", "footer": {"show": False, "reducer": ["sum"], "fields": ""}}
    raise ValueError(kind)


def datasource_var():
    return {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0, "refresh": 1, "regex": "", "includeAll": False, "multi": False, "options": []}


def query_var(name, label, query, multi=True, current=None):
    v = {"name": name, "label": label, "type": "query", "datasource": DS, "definition": query,
         "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
         "refresh": 2, "sort": 1, "hide": 0, "regex": "", "includeAll": multi, "multi": multi, "options": [],
         "current": current or ({"selected": True, "text": ["All"], "value": ["$__all"]} if multi else {})}
    return v


def instance_var():
    return query_var("instance", "Agent", 'label_values(vigil_build_info{job="vigil"}, instance)')


STATE_MAPPINGS = [{"type": "value", "options": {
    "0": {"text": "no", "color": "green", "index": 0}, "1": {"text": "yes", "color": "red", "index": 1}}}]
GUARDRAIL_MAPPINGS = [{"type": "value", "options": {
    "-1": {"text": "fail", "color": "red", "index": 0}, "0": {"text": "pending", "color": "blue", "index": 1},
    "1": {"text": "pass", "color": "green", "index": 2}}}]


def rate(metric, selector, by=None, interval="$__rate_interval", fn="rate"):
    inner = f"{fn}({metric}{{{selector}}}[{interval}])"
    return f"sum by ({by}) ({inner})" if by else f"sum({inner})"


# --------------------------------------------------------------------------------------------------------------
def agent():
    d = Dashboard("vigil-agent", "Vigil agent",
                  "The agent itself: ingest, spool, sinks (Elasticsearch and the embedded store), process, scrape.",
                  [datasource_var(), instance_var()])
    d.row("Ingest")
    d.panel("timeseries", "Lines received by source",
            [(rate("vigil_events_received_total", SEL, "source"), "{{source}}")], "cps",
            "Lines offered to the event pipeline per second (vigil_events_received_total).")
    d.panel("timeseries", "Lines rejected by source and reason",
            [(rate("vigil_events_rejected_total", SEL, "source, reason"), "{{source}} {{reason}}")], "cps",
            "Lines the pipeline refused (invalid_json, too_large, ...), per second.")
    d.panel("timeseries", "Ingest requests by endpoint and outcome",
            [(rate("vigil_ingest_requests_total", SEL, "endpoint, outcome"), "{{endpoint}} {{outcome}}")], "reqps",
            "POST /v1/logs, /v1/predictions, /v1/labels by outcome; busy means the spool was full (503).")
    d.panel("timeseries", "Rejected share of lines",
            [(rate("vigil_events_rejected_total", SEL, "source") + " / " + rate("vigil_events_received_total", SEL, "source"),
              "{{source}}")], "percentunit",
            "Rejected lines over received lines, by source.")
    d.panel("timeseries", "Redactions by rule",
            [(rate("vigil_redactions_total", SEL, "rule"), "{{rule}}")], "cps",
            "Values redacted before any sink saw them, per second, by rule.")
    d.panel("timeseries", "Agent HTTP requests by route and code",
            [(rate("vigil_http_requests_total", SEL, "route, code"), "{{route}} {{code}}")], "reqps",
            "Requests served by the agent's HTTP server.")
    d.panel("timeseries", "File sources: bytes read",
            [(rate("vigil_file_read_bytes_total", SEL, "source"), "{{source}}")], "Bps",
            "Bytes read per second from tailed files, by file source.", w=12)
    d.panel("timeseries", "File sources: files open",
            [(f"sum by (source) (vigil_files_open{{{SEL}}})", "{{source}}")], "short",
            "Files the tailer holds open, by file source.", w=12)
    d.row("Spool")
    d.panel("timeseries", "Spool bytes", [(f"vigil_spool_bytes{{{SEL}}}", "{{instance}}")], "bytes",
            "Bytes of undelivered blocks in the spool.")
    d.panel("timeseries", "Spool events", [(f"vigil_spool_events{{{SEL}}}", "{{instance}}")], "short",
            "Undelivered events in the spool.")
    d.panel("timeseries", "Oldest undelivered block", [(f"vigil_spool_oldest_age_seconds{{{SEL}}}", "{{instance}}")], "s",
            "Age of the oldest undelivered block: grows while a sink is down.")
    d.panel("timeseries", "Events dropped (when_full: drop_oldest)",
            [(f'sum by (instance) (increase(vigil_spool_dropped_total{{{SEL}}}[$__rate_interval]))', "{{instance}}")],
            "short", "Events dropped because the spool was full and when_full is drop_oldest.")
    d.row("Sinks")
    d.panel("timeseries", "Elasticsearch documents by outcome",
            [(rate("vigil_elasticsearch_documents_total", SEL, "outcome"), "{{outcome}}")], "cps",
            "Documents delivered, duplicate (409), retried (each resend) and dead-lettered, per second.")
    d.panel("timeseries", "Elasticsearch _bulk requests by status",
            [(rate("vigil_elasticsearch_requests_total", SEL, "status"), "{{status}}")], "reqps",
            "_bulk requests by HTTP status (error when no response came).")
    d.panel("timeseries", "Elasticsearch _bulk latency",
            [(f'histogram_quantile(0.5, sum by (le) (rate(vigil_elasticsearch_request_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))', "p50"),
             (f'histogram_quantile(0.99, sum by (le) (rate(vigil_elasticsearch_request_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))', "p99")],
            "s", "Duration of _bulk requests including failed ones (p50, p99).")
    d.panel("timeseries", "Elasticsearch bytes sent by encoding",
            [(rate("vigil_elasticsearch_sent_bytes_total", SEL, "encoding"), "{{encoding}}")], "Bps",
            "Request body bytes per second: raw NDJSON and compressed on the wire.")
    d.panel("timeseries", "Embedded store writes and retention",
            [(rate("vigil_local_store_events_total", SEL, "instance"), "written {{instance}}"),
             (rate("vigil_local_store_retention_deleted_total", SEL, "instance"), "deleted by retention {{instance}}")],
            "cps", "Events committed to the embedded log store, and removed by retention, per second.")
    d.panel("timeseries", "Embedded store lag", [(f"vigil_local_store_lag_seconds{{{SEL}}}", "{{instance}}")], "s",
            "Age of the oldest spooled event not yet committed to the embedded store (0 when caught up).")
    d.row("Dead letters")
    d.panel("timeseries", "Dead-letter table", [(f"vigil_dead_letters{{{SEL}}}", "{{instance}}")], "short",
            "Entries in the dead-letter table (vigil dead-letters list / replay).")
    d.panel("timeseries", "Dead-lettered events by reason",
            [(rate("vigil_dead_letters_total", SEL, "reason", fn="increase"), "{{reason}}")], "short",
            "Events put in the dead-letter table per interval, by Elasticsearch error type.")
    d.panel("timeseries", "Corrupt spool blocks",
            [(rate("vigil_spool_corrupt_blocks_total", SEL, "instance", fn="increase"), "blocks {{instance}}"),
             (rate("vigil_spool_corrupt_events_total", SEL, "instance", fn="increase"), "events {{instance}}")],
            "short", "Spool blocks the embedded store could not read back, and the events they held.")
    d.row("Process")
    d.panel("timeseries", "CPU", [(f"sum by (instance) (rate(process_cpu_seconds_total{{{SEL}}}[$__rate_interval]))", "{{instance}}")],
            "percentunit", "User and system CPU time per second (1.0 = one core).")
    d.panel("timeseries", "Memory",
            [(f"process_resident_memory_bytes{{{SEL}}}", "resident {{instance}}"),
             (f"process_virtual_memory_bytes{{{SEL}}}", "virtual {{instance}}")], "bytes",
            "Resident and virtual memory.")
    d.panel("timeseries", "File descriptors",
            [(f"process_open_fds{{{SEL}}}", "open {{instance}}"), (f"process_max_fds{{{SEL}}}", "max {{instance}}")],
            "short", "Open file descriptors against the soft limit.")
    d.row("Scrape")
    d.panel("timeseries", "Metrics render time", [(f"vigil_metrics_render_duration_seconds{{{SEL}}}", "{{instance}}")], "s",
            "Duration of the last render of /metrics.")
    d.panel("timeseries", "Agent HTTP latency p99 by route",
            [(f'histogram_quantile(0.99, sum by (route, le) (rate(vigil_http_request_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))', "{{route}}")],
            "s", "Time to serve a request, p99, by route.")
    d.panel("stat", "Series folded into other",
            [(f'sum by (metric) (increase(vigil_metric_series_overflow_total{{{SEL}}}[$__range]))', "{{metric}}")], "short",
            "Label sets over a family's cardinality limit in the dashboard's range (0 when none overflowed).")
    d.panel("stat", "Build", [(f"vigil_build_info{{{SEL}}}", "{{instance}} {{version}} {{revision}}")], "none",
            "Version and revision of each agent (value 1).")
    return d


# --------------------------------------------------------------------------------------------------------------
SVC = 'job="vigil",service=~"$service"'
DUR = "http_server_request_duration_seconds"


def service_health():
    d = Dashboard("vigil-service-health", "Vigil service health",
                  "Rate, errors and duration per service and route from request logs (metrics_from_logs), "
                  "and SLO burn rates from the rules of `vigil rules generate`.",
                  [datasource_var(), query_var("service", "Service", f'label_values({DUR}_count{{job="vigil"}}, service)'),
                   query_var("route", "Route", f'label_values({DUR}_count{{job="vigil",service=~"$service"}}, http_route)')])
    sel = SVC + ',http_route=~"$route"'
    d.row("Rate and errors")
    d.panel("timeseries", "Requests by service and route",
            [(rate(f"{DUR}_count", sel, "service, http_route"), "{{service}} {{http_route}}")], "reqps",
            "Requests per second from request logs.", w=12)
    d.panel("timeseries", "Error ratio (5xx) by service and route",
            [(rate(f"{DUR}_count", sel + ',http_response_status_code=~"5.."', "service, http_route") + " / "
              + rate(f"{DUR}_count", sel, "service, http_route"), "{{service}} {{http_route}}")], "percentunit",
            "Share of requests answered 5xx.", w=12)
    d.panel("timeseries", "Requests by status code",
            [(rate(f"{DUR}_count", sel, "service, http_response_status_code"), "{{service}} {{http_response_status_code}}")],
            "reqps", "Requests per second by status code.", w=12)
    d.panel("stat", "Error ratio over the range",
            [(f'sum by (service) (increase({DUR}_count{{{sel},http_response_status_code=~"5.."}}[$__range])) / '
              f'sum by (service) (increase({DUR}_count{{{sel}}}[$__range]))', "{{service}}")], "percentunit",
            "5xx share over the whole dashboard range.", w=12)
    d.row("Duration")
    d.panel("timeseries", "Latency p50 / p90 / p99 by service",
            [(f'histogram_quantile({q}, sum by (service, le) (rate({DUR}_bucket{{{sel}}}[$__rate_interval])))',
              f"p{int(q * 100)} {{{{service}}}}") for q in (0.5, 0.9, 0.99)], "s",
            "Quantiles of request duration (histogram_quantile over the log-derived histogram).", w=12)
    d.panel("timeseries", "Latency p99 by route",
            [(f'histogram_quantile(0.99, sum by (service, http_route, le) (rate({DUR}_bucket{{{sel}}}[$__rate_interval])))',
              "{{service}} {{http_route}}")], "s", "p99 request duration per route.", w=12)
    d.panel("heatmap", "Latency distribution",
            [(f'sum by (le) (increase({DUR}_bucket{{{sel}}}[$__rate_interval]))', "{{le}}")], "s",
            "Requests per duration bucket over time.", w=24)
    d.row("SLO burn rates")
    burn = 'vigil_slo:error_ratio:{w}{{service=~"$service"}} / on (slo, slo_type, service) group_left () (1 - vigil_slo:objective:ratio{{service=~"$service"}})'
    links = [("Runbook: error budget burn", f"{RUNBOOKS}/slo-error-budget-burn.md"),
             ("Runbook: latency budget burn", f"{RUNBOOKS}/slo-latency-budget-burn.md")]
    d.panel("timeseries", "Burn rate, fast windows (page)",
            [(burn.format(w=w), f"{{{{slo}}}} {w}") for w in ("rate5m", "rate30m", "rate1h")], "suffix:×",
            "Error ratio divided by the error budget (1 − objective). 14.4 over 1h and 5m pages (2% of a 30-day budget).",
            w=12, links=links)
    d.panel("timeseries", "Burn rate, slow windows (ticket)",
            [(burn.format(w=w), f"{{{{slo}}}} {w}") for w in ("rate2h", "rate6h", "rate1d", "rate3d")], "suffix:×",
            "Error ratio divided by the error budget over the slow windows; 1 spends the budget exactly.", w=12, links=links)
    d.panel("table", "SLOs",
            [('vigil_slo:objective:ratio{service=~"$service"}', "objective"),
             ('vigil_slo:error_ratio:rate1h{service=~"$service"}', "error ratio 1h")], "percentunit",
            "Each SLO's objective and its error ratio over the last hour.", w=24, h=6,
            transformations=[{"id": "merge", "options": {}}])
    return d


# --------------------------------------------------------------------------------------------------------------
MOD = 'job="vigil",model=~"$model",variant=~"$variant"'
MODEL_ONLY = 'job="vigil",model=~"$model"'


def model_quality():
    d = Dashboard("vigil-model-quality", "Vigil model quality",
                  "Predictions, labels, realised and estimated quality, drift, detectors and fairness of monitored models.",
                  [datasource_var(),
                   query_var("model", "Model", 'label_values(vigil_model_predictions_total{job="vigil"}, model)'),
                   query_var("variant", "Variant", 'label_values(vigil_model_predictions_total{job="vigil",model=~"$model"}, variant)'),
                   query_var("metric", "Metric", 'label_values(vigil_model_quality{job="vigil",model=~"$model"}, metric)',
                             multi=False, current={"selected": True, "text": "accuracy", "value": "accuracy"})])
    decay_link = [("Runbook: accuracy decay", f"{RUNBOOKS}/accuracy-decay.md")]
    drift_link = [("Runbook: drift detected", f"{RUNBOOKS}/drift-detected.md")]
    d.row("Traffic")
    d.panel("timeseries", "Predictions by variant",
            [(rate("vigil_model_predictions_total", MOD, "model, variant"), "{{model}} {{variant}}")], "cps",
            "Prediction events per second.")
    d.panel("timeseries", "Labels by variant and join outcome",
            [(rate("vigil_model_labels_total", MOD, "model, variant, outcome"), "{{model}} {{variant}} {{outcome}}")],
            "cps", "Label events per second: joined, late, unmatched, duplicate.")
    d.panel("timeseries", "Pending labels",
            [(f"sum by (model) (vigil_model_pending_labels{{{MODEL_ONLY}}})", "{{model}}")], "short",
            "Predictions waiting for their label.")
    d.panel("timeseries", "Events the monitor ignored",
            [(rate("vigil_model_events_ignored_total", 'job="vigil"', "reason"), "{{reason}}")], "cps",
            "Prediction or label events the monitor could not use, by reason.", w=12)
    d.panel("table", "Confusion over the range",
            [(f'sum by (model, variant, actual, predicted) (increase(vigil_model_confusion_total{{{MOD}}}[$__range]))', "")],
            "short", "Joined predictions by actual and predicted class over the dashboard range.", w=12)
    d.row("Quality")
    d.panel("timeseries", "Realised quality per window ($metric)",
            [(f'vigil_model_quality{{{MOD},metric="$metric"}}', "{{model}} {{variant}} {{window}}"),
             (f'vigil_model_reference_quality{{{MODEL_ONLY},metric="$metric"}}', "reference {{model}}")], "percentunit",
            "Realised quality over the count window, the time window and since start, with the profile's reference "
            "value as a line; the decay panel beside shows when quality fell below reference − tolerance.",
            w=12, links=decay_link)
    d.panel("state-timeline", "Decay below reference − tolerance",
            [(f'vigil_model_decay_detected{{{MOD}}}', "{{model}} {{variant}} {{metric}}")], "none",
            "1 when windowed quality is below the profile's reference minus decay_tolerance (alert VigilAccuracyDecay).",
            w=12, field={"mappings": STATE_MAPPINGS, "color": {"mode": "thresholds"},
                         "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                                      {"color": "red", "value": 1}]}},
            links=decay_link)
    d.panel("timeseries", "Estimated (CBPE) vs realised ($metric)",
            [(f'vigil_model_estimated_quality{{{MOD},metric="$metric"}}', "estimated {{model}} {{variant}}"),
             (f'vigil_model_quality{{{MOD},metric="$metric",window="count"}}', "realised {{model}} {{variant}}")],
            "percentunit", "Quality estimated from scores without labels, against the realised quality of the count window.",
            w=12)
    d.panel("timeseries", "Cumulative accuracy with 95% interval",
            [(f'vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}}', "{{variant}}"),
             (f'vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}} - 1.96 * sqrt(vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}} * (1 - vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}}) / on (instance, model, variant) group_left () sum by (instance, model, variant) (vigil_model_labels_total{{{MOD},outcome="joined"}}))', "{{variant}} lower"),
             (f'vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}} + 1.96 * sqrt(vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}} * (1 - vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}}) / on (instance, model, variant) group_left () sum by (instance, model, variant) (vigil_model_labels_total{{{MOD},outcome="joined"}}))', "{{variant}} upper")],
            "percentunit", "Accuracy over every joined prediction with a normal-approximation 95% interval "
            "(n = joined labels of the variant).", w=12)
    d.row("Drift")
    d.panel("table", "Drift statistic per feature and method",
            [(f'max by (model, feature, method) (vigil_feature_drift{{{MODEL_ONLY}}})', "")], "none",
            "The drift statistic of each feature's recent window against the reference profile (PSI, KS, "
            "normalised Wasserstein, Jensen–Shannon, chi²).", w=12, h=9, links=drift_link,
            transformations=[{"id": "groupingToMatrix", "options": {"columnField": "method", "rowField": "feature",
                                                                    "valueField": "Value"}}])
    d.panel("state-timeline", "Drift detected",
            [(f'max by (model, feature, method) (vigil_drift_detected{{{MODEL_ONLY}}})', "{{feature}} {{method}}")], "none",
            "1 when a method flags the feature (alert VigilDriftDetected).", w=12, h=9,
            field={"mappings": STATE_MAPPINGS, "color": {"mode": "thresholds"},
                   "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                                {"color": "red", "value": 1}]}},
            links=drift_link)
    d.panel("timeseries", "Drift statistic over time",
            [(f'max by (feature, method) (vigil_feature_drift{{{MODEL_ONLY}}})', "{{feature}} {{method}}")], "none",
            "Each feature's drift statistic over time.", w=12)
    d.panel("timeseries", "Detector signals",
            [(f'sum by (variant, detector, signal) (increase(vigil_model_detector_signals_total{{{MOD}}}[$__rate_interval]))',
              "{{variant}} {{detector}} {{signal}}")], "short",
            "Drift and warning signals of the streaming detectors on each variant's error stream.", w=12)
    d.row("Fairness")
    d.panel("timeseries", "Disparity per segment field ($metric, max − min)",
            [(f'max by (model, variant, segment) (vigil_model_segment_quality{{{MOD},metric="$metric"}}) - '
              f'min by (model, variant, segment) (vigil_model_segment_quality{{{MOD},metric="$metric"}})',
              "{{model}} {{variant}} {{segment}}")], "percentunit",
            "Spread of quality between the values of each segment field (count window).", w=12)
    d.panel("table", "Quality per segment value ($metric)",
            [(f'vigil_model_segment_quality{{{MOD},metric="$metric"}}', "")], "percentunit",
            "Realised quality per segment value.", w=12)
    return d


# --------------------------------------------------------------------------------------------------------------
def rollouts():
    d = Dashboard("vigil-rollouts", "Vigil rollouts",
                  "Canary and A/B rollouts: state, weights, decisions, guardrails, champion against challenger.",
                  [datasource_var(),
                   query_var("model", "Model", 'label_values(vigil_rollout_state{job="vigil"}, model)'),
                   query_var("variant", "Variant", 'label_values(vigil_rollout_weight{job="vigil",model=~"$model"}, variant)')])
    # A decision's counter series is born at 1, and increase() over a series' first samples is 0: the second
    # operand catches counters that appeared within the interval.
    decisions = 'vigil_rollout_decisions_total{job="vigil",model=~"$model",decision=~"advance|promote|rollback|start|pause|resume"}'
    d.annotation("Rollout decisions",
                 f'sum by (model, decision) (increase({decisions}[$__rate_interval])) > 0 or '
                 f'(sum by (model, decision) ({decisions}) unless sum by (model, decision) ({decisions} offset $__rate_interval))',
                 "{{model}}: {{decision}}", "Rollout decision {{decision}} for {{model}}", "model,decision", "orange")
    rb = [("Runbook: rollout rolled back", f"{RUNBOOKS}/rollout-rolled-back.md"),
          ("Runbook: sample ratio mismatch", f"{RUNBOOKS}/rollout-sample-ratio-mismatch.md")]
    d.row("State")
    d.panel("state-timeline", "Rollout state",
            [(f'max by (model, state) (vigil_rollout_state{{{MODEL_ONLY}}}) == 1', "{{model}} {{state}}")], "none",
            "The rollout's current state over time (pending, running, paused, promoted, rolled_back). "
            "rolled_back fires VigilRolloutRolledBack.", w=12, links=rb,
            field={"color": {"mode": "palette-classic"}})
    d.panel("timeseries", "Traffic weights",
            [(f'max by (model, variant) (vigil_rollout_weight{{{MOD}}})', "{{model}} {{variant}}")], "percent",
            "Share of traffic assigned to each variant.", w=12)
    d.panel("timeseries", "Decisions",
            [(f'sum by (model, decision) (increase(vigil_rollout_decisions_total{{{MODEL_ONLY}}}[$__rate_interval]))',
              "{{model}} {{decision}}")], "short",
            "Evaluations by decision (continue, advance, hold, promote, rollback, ...) and release managers' actions.",
            w=12, links=rb)
    d.panel("state-timeline", "Guardrails",
            [(f'max by (model, guardrail) (vigil_rollout_guardrail_status{{{MODEL_ONLY}}})', "{{model}} {{guardrail}}")],
            "none", "Latest guardrail verdict: pass, pending (no data yet) or fail.", w=12, links=rb,
            field={"mappings": GUARDRAIL_MAPPINGS, "color": {"mode": "thresholds"},
                   "thresholds": {"mode": "absolute", "steps": [{"color": "red", "value": None},
                                                                {"color": "blue", "value": 0},
                                                                {"color": "green", "value": 1}]}})
    d.row("Champion vs challenger")
    d.panel("timeseries", "Predictions by variant",
            [(rate("vigil_model_predictions_total", MOD, "model, variant"), "{{model}} {{variant}}")], "cps",
            "Prediction events per second per variant (the rollout's requests unless requests: logs).", w=8)
    d.panel("timeseries", "Accuracy (count window) by variant",
            [(f'vigil_model_quality{{{MOD},metric="accuracy",window="count"}}', "{{model}} {{variant}}")], "percentunit",
            "Realised accuracy of each variant over the count window.", w=8)
    d.panel("timeseries", "Cumulative accuracy with 95% interval",
            [(f'vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}}', "{{variant}}"),
             (f'vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}} - 1.96 * sqrt(vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}} * (1 - vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}}) / on (instance, model, variant) group_left () sum by (instance, model, variant) (vigil_model_labels_total{{{MOD},outcome="joined"}}))', "{{variant}} lower"),
             (f'vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}} + 1.96 * sqrt(vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}} * (1 - vigil_model_quality{{{MOD},metric="accuracy",window="cumulative"}}) / on (instance, model, variant) group_left () sum by (instance, model, variant) (vigil_model_labels_total{{{MOD},outcome="joined"}}))', "{{variant}} upper")],
            "percentunit", "Accuracy over all joined predictions with a normal-approximation 95% interval. "
            "Error rate per variant has no metric: the error_rate guardrail above carries its verdict, and "
            "`vigil rollout status` its always-valid interval.", w=8)
    d.row("Notifications")
    d.panel("timeseries", "Webhook deliveries by outcome",
            [(f'sum by (outcome) (increase(vigil_webhook_deliveries_total{{job="vigil"}}[$__rate_interval]))', "{{outcome}}")],
            "short", "Rollout webhook deliveries: delivered, rejected (final 4xx), gave_up (after max_attempts), dropped.",
            w=12, links=rb)
    d.panel("timeseries", "Alertmanager pushes by outcome",
            [(f'sum by (outcome) (increase(vigil_alertmanager_requests_total{{job="vigil"}}[$__rate_interval]))', "{{outcome}}")],
            "short", "Requests that pushed rollout alerts to Alertmanager (actions.alertmanager): ok, http_error, unreachable.",
            w=12, links=rb)
    return d


def main():
    # `--out DIR` writes elsewhere (DashboardTests compares that with the committed files).
    here = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--out" else os.path.dirname(os.path.abspath(__file__))
    for name, build in [("vigil-agent", agent), ("vigil-service-health", service_health),
                        ("vigil-model-quality", model_quality), ("vigil-rollouts", rollouts)]:
        with open(os.path.join(here, name + ".json"), "w") as f:
            json.dump(build().json(), f, indent=2, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
