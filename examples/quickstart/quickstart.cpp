// The partner quickstart: count an audience, build it, submit an offer, have it delivered,
// all through the SDK, with progress as the gateway works. No protocol code: signing,
// retries, idempotency keys, paging and problem parsing are the SDK's.
//
//   export OCTOPUS_GATEWAY=https://localhost:8443 OCTOPUS_KEY_ID=... OCTOPUS_KEY_FILE=partner.pem
//   export OCTOPUS_CA_FILE=ca.pem      # only for a gateway with a private CA
//   octopus-quickstart [SEGMENT_JSON]
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <octopus/sdk.hpp>
#include <string>
#include <thread>

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

void show_progress(double progress, const std::string& status) {
  std::cout << "  " << static_cast<int>(progress * 100) << "% " << status << std::endl;
}

// Content offers may wait for a compliance officer; poll until they decide.
octopus::Offer decided(octopus::Client& client, octopus::Offer offer) {
  for (int i = 0; offer.status == "pending_review" && i < 600; ++i) {
    if (i == 0) std::cout << "offer " << offer.id << " waits for the operator's compliance review" << std::endl;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    offer = client.get_offer(offer.id);
  }
  return offer;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace octopus;
  try {
    ClientOptions options;
    options.ca_file = env("OCTOPUS_CA_FILE");
    Client client(env("OCTOPUS_GATEWAY"), Credential::from_pem_file(env("OCTOPUS_KEY_ID"), env("OCTOPUS_KEY_FILE")),
                  options);
    // Default: 65+ year-olds in Jinan interested in travel (a few hundred subscribers).
    const JsonValue segment = argc > 1 ? JsonValue::parse(argv[1])
                                       : segment::all({segment::equals("city", "jinan"),
                                                       segment::equals("age_band", "65+"), segment::tag("travel")});

    const auto estimate = client.estimate_audience({segment});
    std::cout << "estimate: " << (estimate.suppressed ? "suppressed" : std::to_string(*estimate.count)) << std::endl;

    auto audience = client.create_audience({segment});
    audience =
        client.wait_for_audience(audience.id, {std::chrono::milliseconds(200), std::chrono::minutes(5), show_progress});
    std::cout << "audience " << audience.id << ": " << audience.status << std::endl;

    OfferCreate create;
    create.channel = "sms";
    create.template_ = "【中国移动】{{product_name}}，详情 {{landing_url}} 回复TD退订";
    create.product_code = "5G-PLUS";
    create.landing_url = "https://www.10086.cn/5g";
    create.valid_until = "2099-12-31T16:00:00Z";
    const auto offer = decided(client, client.create_offer(create));
    std::cout << "offer " << offer.id << ": " << offer.status << std::endl;
    if (offer.status != "approved") return 1;

    auto delivery = client.create_delivery({offer.id, audience.id});
    delivery =
        client.wait_for_delivery(delivery.id, {std::chrono::milliseconds(200), std::chrono::minutes(5), show_progress});
    std::cout << "delivery " << delivery.id << ": " << delivery.status;
    if (delivery.outcomes && delivery.outcomes->delivered)
      std::cout << ", delivered to about " << *delivery.outcomes->delivered;
    if (delivery.outcomes_withheld) std::cout << " (counts withheld: " << *delivery.outcomes_withheld << ")";
    std::cout << std::endl;
    return 0;
  } catch (const ApiError& e) {
    std::cerr << "the gateway refused: " << e.status() << " " << e.slug() << ": " << e.detail() << " (request "
              << e.request_id() << ")" << std::endl;
    for (const auto& issue : e.errors()) std::cerr << "  at " << issue.pointer << ": " << issue.detail << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << std::endl;
  }
  return 1;
}
