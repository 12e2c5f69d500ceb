// A real-time trigger through the SDK: register an offer to go out within a second of a
// subscriber in the segment starting to roam, then read its (privacy-protected) counts.
//
//   octopus-trigger OFFER_ID [EVENT_TYPE] [SEGMENT_JSON]     (environment as for the quickstart)
//   octopus-trigger --delete TRIGGER_ID
#include <cstdlib>
#include <iostream>
#include <octopus/sdk.hpp>
#include <string>

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace octopus;
  if (argc < 2) {
    std::cerr << "usage: octopus-trigger OFFER_ID [EVENT_TYPE] [SEGMENT_JSON] | --delete TRIGGER_ID\n";
    return 2;
  }
  try {
    ClientOptions options;
    options.ca_file = env("OCTOPUS_CA_FILE");
    Client client(env("OCTOPUS_GATEWAY"), Credential::from_pem_file(env("OCTOPUS_KEY_ID"), env("OCTOPUS_KEY_FILE")),
                  options);
    if (std::string(argv[1]) == "--delete" && argc > 2) {
      client.delete_trigger(argv[2]);
      std::cout << "trigger " << argv[2] << " deleted" << std::endl;
      return 0;
    }
    TriggerCreate create{argv[1], argc > 2 ? argv[2] : "roaming_started",
                         argc > 3 ? JsonValue::parse(argv[3]) : segment::equals("city", "jinan")};
    create.cooldown_seconds = 86400;
    create.purpose = "dpv:Personalisation";
    const auto trigger = client.create_trigger(create);
    std::cout << "trigger " << trigger.id << ": " << trigger.status << " on " << trigger.event_type << std::endl;
    for (const auto& t : client.list_triggers()) {
      std::cout << "  " << t.id << " " << t.event_type << " counts: ";
      if (t.counts)
        std::cout << "matched " << t.counts->matched << ", sent " << t.counts->sent << std::endl;
      else
        std::cout << "withheld (" << t.counts_withheld.value_or("-") << ")" << std::endl;
    }
    return 0;
  } catch (const ApiError& e) {
    std::cerr << "the gateway refused: " << e.status() << " " << e.slug() << ": " << e.detail() << " (request "
              << e.request_id() << ")" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << std::endl;
  }
  return 1;
}
