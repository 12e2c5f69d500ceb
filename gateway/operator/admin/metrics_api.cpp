#include "admin/metrics_api.hpp"

#include "observability/metrics.hpp"

namespace octopus::admin {

void register_metrics_route(http::Pipeline& admin_plane) {
  // A scraper's account needs only the metrics role, which opens nothing else.
  admin_plane.add_route({.method = "GET",
                         .pattern = "/metrics",
                         .handler =
                             [](http::RequestContext&) {
                               http::Response r;
                               r.set_header("Content-Type", "text/plain; version=0.0.4");
                               r.body = observability::metrics().render();
                               return r;
                             },
                         .roles = {vocabulary::Role::metrics, vocabulary::Role::operator_}});
}

}  // namespace octopus::admin
