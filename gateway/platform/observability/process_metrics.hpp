// The process_* families every Prometheus exporter offers (CPU seconds, resident and
// virtual memory, open and allowed file descriptors, start time), read from /proc at each
// scrape, so dashboards and alerts written for any exporter work here unchanged.
#pragma once
#include <memory>

#include "observability/metrics.hpp"

namespace octopus::observability {

std::unique_ptr<ScopedCollector> collect_process_metrics();

}  // namespace octopus::observability
