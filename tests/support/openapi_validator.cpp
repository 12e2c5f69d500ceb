// OpenAPI 3.1 response validator for tests. Pipeline at load time:
//   the document read as the gateway reads it (openapi::load_document: YAML → JSON, $refs
//   inlined) → each schema linted and compiled (openapi::JsonSchema) → an immutable table of
//   path templates, operations, responses, headers and media types.
// validate_response() only looks things up in that table and runs the compiled schemas.
#include "openapi_validator.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "openapi/json_schema.hpp"
#include "openapi/openapi_document.hpp"

namespace octopus::testing {
namespace {

using json = nlohmann::json;
using openapi::child_pointer;
using CompiledSchema = openapi::JsonSchema;

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::string child(const std::string& where, std::string_view token) { return child_pointer(where, token); }

// One message per violation: "<pointer>: <what the schema engine says>".
std::vector<std::string> run_schema(const CompiledSchema& compiled, const json& value) {
  std::vector<std::string> errors;
  for (const auto& v : compiled.violations(value))
    errors.push_back((v.pointer.empty() ? "(root)" : v.pointer) + ": " + v.message);
  return errors;
}

bool is_json_media_type(std::string_view media_type) {
  return media_type == "application/json" ||
         (media_type.size() > 5 && media_type.substr(media_type.size() - 5) == "+json");
}

std::string media_type_of(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  return lower(trim(content_type.substr(0, semicolon)));
}

struct Header {
  std::string name;
  bool required = false;
  std::optional<CompiledSchema> schema;
};

struct Media {
  std::string type;  // lowercase, without parameters
  std::optional<CompiledSchema> schema;
};

struct Response {
  std::string key;
  std::vector<Header> headers;
  bool has_content = false;
  std::vector<Media> content;
};

using Responses = std::map<std::string, Response>;

struct Segment {
  std::string literal;
  std::optional<std::regex> pattern;  // set when the segment holds {parameters}
};

struct PathTemplate {
  std::string text;
  std::vector<Segment> segments;
  int literal_segments = 0;
  std::map<std::string, Responses> operations;  // lowercase method → responses
};

struct ExampleCheck {
  std::string where;
  CompiledSchema schema;
  json value;
};

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

std::string regex_escape(std::string_view s) {
  static const std::string special = R"(\^$.|?*+()[]{}-)";
  std::string out;
  for (char c : s) {
    if (special.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

const std::vector<std::string>& http_methods() {
  static const std::vector<std::string> methods{"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  return methods;
}

}  // namespace

struct OpenApiValidator::Impl {
  std::string source;
  json document;
  std::vector<PathTemplate> paths;
  Responses unmatched;  // x-octopus-unmatched-responses
  std::vector<ExampleCheck> examples;
};

namespace {

class Compiler {
 public:
  explicit Compiler(OpenApiValidator::Impl& impl) : impl_(impl) {}

  void run() {
    const json& doc = impl_.document;
    if (!doc.is_object()) fail(impl_.source + ": the document is not a mapping");
    const auto version = doc.find("openapi");
    if (version == doc.end() || !version->is_string() || !starts_with(version->get<std::string>(), "3.1.")) {
      fail(impl_.source + ": /openapi: expected an OpenAPI 3.1.x document");
    }
    const auto paths = doc.find("paths");
    if (paths == doc.end() || !paths->is_object()) fail(impl_.source + ": /paths: missing or not a mapping");
    for (const auto& [text, item] : paths->items()) compile_path(text, item);

    if (auto components = doc.find("components"); components != doc.end()) {
      compile_components(*components);
    }
    if (auto unmatched = doc.find("x-octopus-unmatched-responses"); unmatched != doc.end()) {
      impl_.unmatched = compile_responses(*unmatched, "/x-octopus-unmatched-responses", false);
    }
  }

 private:
  [[noreturn]] void error(const std::string& where, const std::string& what) const {
    fail(impl_.source + ": " + where + ": " + what);
  }

  CompiledSchema compile_schema(const json& schema, const std::string& where) const {
    return CompiledSchema::compile(schema, impl_.source, where);
  }

  void compile_path(const std::string& text, const json& item) {
    const std::string where = child("/paths", text);
    if (text.empty() || text.front() != '/') error(where, "path templates must start with '/'");
    if (!item.is_object()) error(where, "a path item must be a mapping");
    PathTemplate tmpl;
    tmpl.text = text;
    for (const std::string& segment : split_path(text)) {
      Segment compiled;
      if (segment.find('{') == std::string::npos) {
        compiled.literal = segment;
        ++tmpl.literal_segments;
      } else {
        static const std::regex parameter(R"(\{[^{}/]+\})");
        std::string pattern;
        std::size_t last = 0;
        for (auto it = std::sregex_iterator(segment.begin(), segment.end(), parameter); it != std::sregex_iterator();
             ++it) {
          pattern += regex_escape(segment.substr(last, it->position() - last)) + "([^/]+)";
          last = it->position() + it->length();
        }
        pattern += regex_escape(segment.substr(last));
        try {
          compiled.pattern.emplace(pattern);
        } catch (const std::regex_error&) {
          error(where, "cannot turn segment '" + segment + "' into a matcher");
        }
      }
      tmpl.segments.push_back(std::move(compiled));
    }
    if (auto params = item.find("parameters"); params != item.end()) {
      compile_parameters(*params, child(where, "parameters"), true);
    }
    for (const std::string& method : http_methods()) {
      const auto op = item.find(method);
      if (op == item.end()) continue;
      const std::string op_where = child(where, method);
      if (!op->is_object()) error(op_where, "an operation must be a mapping");
      if (auto params = op->find("parameters"); params != op->end()) {
        compile_parameters(*params, child(op_where, "parameters"), true);
      }
      if (auto body = op->find("requestBody"); body != op->end()) {
        compile_request_body(*body, child(op_where, "requestBody"), true);
      }
      const auto responses = op->find("responses");
      if (responses == op->end()) error(op_where, "an operation needs 'responses'");
      tmpl.operations[method] = compile_responses(*responses, child(op_where, "responses"), true);
    }
    impl_.paths.push_back(std::move(tmpl));
  }

  void compile_components(const json& components) {
    if (!components.is_object()) error("/components", "must be a mapping");
    if (auto schemas = components.find("schemas"); schemas != components.end()) {
      for (const auto& [name, schema] : schemas->items()) {
        const std::string where = child("/components/schemas", name);
        CompiledSchema compiled = compile_schema(schema, where);
        if (schema.is_object()) {
          if (auto examples = schema.find("examples"); examples != schema.end() && examples->is_array()) {
            for (std::size_t i = 0; i < examples->size(); ++i) {
              impl_.examples.push_back({child(child(where, "examples"), std::to_string(i)), compiled, (*examples)[i]});
            }
          }
        }
      }
    }
    // The rest is inlined where used (and checked there); compile it anyway so that an
    // unused but broken component still fails loudly.
    if (auto responses = components.find("responses"); responses != components.end()) {
      for (const auto& [name, response] : responses->items()) {
        compile_response(name, response, child("/components/responses", name), false);
      }
    }
    if (auto params = components.find("parameters"); params != components.end()) {
      for (const auto& [name, param] : params->items()) {
        compile_parameter(param, child("/components/parameters", name), false);
      }
    }
    if (auto headers = components.find("headers"); headers != components.end()) {
      for (const auto& [name, header] : headers->items()) {
        compile_header(name, header, child("/components/headers", name));
      }
    }
    if (auto bodies = components.find("requestBodies"); bodies != components.end()) {
      for (const auto& [name, body] : bodies->items()) {
        compile_request_body(body, child("/components/requestBodies", name), false);
      }
    }
  }

  void compile_parameters(const json& params, const std::string& where, bool record) {
    if (!params.is_array()) error(where, "'parameters' must be a list");
    for (std::size_t i = 0; i < params.size(); ++i) {
      compile_parameter(params[i], child(where, std::to_string(i)), record);
    }
  }

  void compile_parameter(const json& param, const std::string& where, bool record) {
    if (!param.is_object()) error(where, "a parameter must be a mapping");
    const auto schema = param.find("schema");
    if (schema == param.end()) return;
    CompiledSchema compiled = compile_schema(*schema, child(where, "schema"));
    if (record) record_examples(param, where, compiled);
  }

  void compile_request_body(const json& body, const std::string& where, bool record) {
    if (!body.is_object()) error(where, "a request body must be a mapping");
    if (auto content = body.find("content"); content != body.end()) {
      compile_content(*content, child(where, "content"), record);
    }
  }

  Header compile_header(const std::string& name, const json& header, const std::string& where) {
    if (!header.is_object()) error(where, "a header must be a mapping");
    Header compiled;
    compiled.name = name;
    if (auto required = header.find("required"); required != header.end()) {
      if (!required->is_boolean()) error(child(where, "required"), "must be a boolean");
      compiled.required = required->get<bool>();
    }
    if (auto schema = header.find("schema"); schema != header.end()) {
      compiled.schema = compile_schema(*schema, child(where, "schema"));
    }
    return compiled;
  }

  std::vector<Media> compile_content(const json& content, const std::string& where, bool record) {
    if (!content.is_object()) error(where, "'content' must be a mapping");
    std::vector<Media> out;
    for (const auto& [type, media] : content.items()) {
      const std::string media_where = child(where, type);
      if (!media.is_object()) error(media_where, "a media type object must be a mapping");
      Media compiled;
      compiled.type = media_type_of(type);
      for (const auto& other : out) {
        if (other.type == compiled.type) error(media_where, "media type declared twice");
      }
      if (auto schema = media.find("schema"); schema != media.end()) {
        compiled.schema = compile_schema(*schema, child(media_where, "schema"));
        if (record) record_examples(media, media_where, *compiled.schema);
      }
      out.push_back(std::move(compiled));
    }
    return out;
  }

  Response compile_response(const std::string& key, const json& response, const std::string& where, bool record) {
    if (!response.is_object()) error(where, "a response must be a mapping");
    Response compiled;
    compiled.key = key;
    if (auto headers = response.find("headers"); headers != response.end()) {
      if (!headers->is_object()) error(child(where, "headers"), "must be a mapping");
      for (const auto& [name, header] : headers->items()) {
        if (lower(name) == "content-type") continue;  // ignored by OpenAPI
        compiled.headers.push_back(compile_header(name, header, child(child(where, "headers"), name)));
      }
    }
    if (auto content = response.find("content"); content != response.end()) {
      compiled.has_content = true;
      compiled.content = compile_content(*content, child(where, "content"), record);
    }
    return compiled;
  }

  Responses compile_responses(const json& responses, const std::string& where, bool record) {
    if (!responses.is_object() || responses.empty()) error(where, "must be a non-empty mapping");
    static const std::regex status_key(R"([1-5]([0-9][0-9]|XX))");
    Responses out;
    for (const auto& [key, response] : responses.items()) {
      std::string normalized = key;
      std::transform(normalized.begin(), normalized.end(), normalized.begin(),
                     [](unsigned char c) { return static_cast<char>(c == 'x' ? 'X' : c); });
      if (normalized != "default" && !std::regex_match(normalized, status_key)) {
        error(child(where, key), "response keys must be a status, '4XX'-style range or 'default'");
      }
      out[normalized] = compile_response(normalized, response, child(where, key), record);
    }
    return out;
  }

  void record_examples(const json& holder, const std::string& where, const CompiledSchema& schema) {
    if (auto example = holder.find("example"); example != holder.end()) {
      impl_.examples.push_back({child(where, "example"), schema, *example});
    }
    if (auto examples = holder.find("examples"); examples != holder.end() && examples->is_object()) {
      for (const auto& [name, example] : examples->items()) {
        if (example.is_object() && example.contains("value")) {
          impl_.examples.push_back({child(child(child(where, "examples"), name), "value"), schema, example["value"]});
        }
      }
    }
  }

  OpenApiValidator::Impl& impl_;
};

const Response* find_response(const Responses& responses, int status) {
  const std::string exact = std::to_string(status);
  if (auto it = responses.find(exact); it != responses.end()) return &it->second;
  if (auto it = responses.find(exact.substr(0, 1) + "XX"); it != responses.end()) return &it->second;
  if (auto it = responses.find("default"); it != responses.end()) return &it->second;
  return nullptr;
}

std::vector<std::string> keys_of(const Responses& responses) {
  std::vector<std::string> keys;
  for (const auto& [key, response] : responses) keys.push_back(key);
  return keys;
}

const PathTemplate* match_path(const std::vector<PathTemplate>& paths, std::string_view path) {
  const std::vector<std::string> segments = split_path(path);
  const PathTemplate* best = nullptr;
  for (const auto& tmpl : paths) {
    if (tmpl.segments.size() != segments.size()) continue;
    bool matches = !segments.empty();
    for (std::size_t i = 0; matches && i < segments.size(); ++i) {
      const Segment& segment = tmpl.segments[i];
      matches = segment.pattern ? std::regex_match(segments[i], *segment.pattern) : segment.literal == segments[i];
    }
    if (matches && (best == nullptr || tmpl.literal_segments > best->literal_segments)) {
      best = &tmpl;
    }
  }
  return best;
}

const std::string* find_header(const OpenApiValidator::Headers& headers, std::string_view name) {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (lower(key) == wanted) return &value;
  }
  return nullptr;
}

json header_value_as_json(const CompiledSchema& schema, const std::string& value) {
  const json& source = schema.definition();
  const auto type = source.is_object() ? source.find("type") : source.end();
  if (type != source.end() && type->is_string()) {
    if (*type == "integer" || *type == "number" || *type == "boolean") {
      const json parsed = json::parse(value, nullptr, false);
      if (!parsed.is_discarded() && (parsed.is_number() || parsed.is_boolean())) return parsed;
    }
  }
  return value;
}

std::string shorten(std::string_view body) {
  constexpr std::size_t kMax = 120;
  if (body.size() <= kMax) return std::string(body);
  return std::string(body.substr(0, kMax)) + "...";
}

}  // namespace

OpenApiValidator::OpenApiValidator(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

OpenApiValidator OpenApiValidator::load(const std::string& yaml_path) {
  std::ifstream in(yaml_path, std::ios::binary);
  if (!in) fail(yaml_path + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(yaml_path + ": cannot read the file");
  return load_from_string(text.str(), yaml_path);
}

OpenApiValidator OpenApiValidator::load_from_string(std::string_view yaml_text, const std::string& source_name) {
  auto impl = std::make_shared<Impl>();
  impl->source = source_name;
  impl->document = openapi::load_document(yaml_text, source_name);
  Compiler(*impl).run();
  return OpenApiValidator(std::move(impl));
}

std::vector<std::string> OpenApiValidator::validate_response(std::string_view method, std::string_view path, int status,
                                                             std::string_view content_type, std::string_view body,
                                                             const Headers& headers) const {
  const Impl& impl = *impl_;
  std::vector<std::string> errors;
  path = path.substr(0, path.find_first_of("?#"));
  const std::string prefix = std::string(method) + " " + std::string(path) + " -> " + std::to_string(status) + ": ";
  auto report = [&](const std::string& message) { errors.push_back(prefix + message); };

  if (status < 100 || status > 599) {
    report("status " + std::to_string(status) + " is not an HTTP status code");
    return errors;
  }

  const PathTemplate* tmpl = match_path(impl.paths, path);
  const Responses* responses = nullptr;
  std::string operation;
  if (tmpl == nullptr) {
    if (find_response(impl.unmatched, status) == nullptr) {
      report("no path in " + impl.source + " matches '" + std::string(path) +
             "' (and x-octopus-unmatched-responses does not declare " + std::to_string(status) + ")");
      return errors;
    }
    responses = &impl.unmatched;
    operation = "unmatched request";
  } else {
    const auto op = tmpl->operations.find(lower(method));
    if (op == tmpl->operations.end()) {
      if (find_response(impl.unmatched, status) == nullptr) {
        std::vector<std::string> declared;
        for (const auto& [name, unused] : tmpl->operations) declared.push_back(lower(name));
        report("method " + std::string(method) + " is not declared for " + tmpl->text + " (declared: " +
               join(declared) + "; x-octopus-unmatched-responses does not declare " + std::to_string(status) + ")");
        return errors;
      }
      responses = &impl.unmatched;
      operation = "unmatched request";
    } else {
      responses = &op->second;
      operation = lower(method) + " " + tmpl->text;
    }
  }

  const Response* response = find_response(*responses, status);
  if (response == nullptr) {
    report("status " + std::to_string(status) + " is not declared for " + operation +
           " (declared: " + join(keys_of(*responses)) + ")");
    return errors;
  }

  for (const Header& header : response->headers) {
    const std::string* value = find_header(headers, header.name);
    if (value == nullptr) {
      if (header.required) report("missing required header " + header.name);
      continue;
    }
    if (header.schema) {
      for (const auto& problem : run_schema(*header.schema, header_value_as_json(*header.schema, *value))) {
        report("header " + header.name + " '" + *value + "' " + problem);
      }
    }
  }

  if (!response->has_content) {
    if (!body.empty()) {
      report("a body of " + std::to_string(body.size()) + " bytes where " + operation + " " + response->key +
             " declares none");
    }
    return errors;
  }

  std::string_view type_header = content_type;
  if (type_header.empty()) {
    if (const std::string* value = find_header(headers, "content-type")) type_header = *value;
  }
  std::vector<std::string> declared;
  for (const Media& media : response->content) declared.push_back(media.type);
  const std::string media_type = media_type_of(type_header);
  if (media_type.empty()) {
    report("missing Content-Type (declared: " + join(declared) + ")");
    return errors;
  }
  const Media* media = nullptr;
  const std::string wildcard = media_type.substr(0, media_type.find('/')) + "/*";
  for (const std::string& candidate : {media_type, wildcard, std::string("*/*")}) {
    for (const Media& m : response->content) {
      if (m.type == candidate) {
        media = &m;
        break;
      }
    }
    if (media != nullptr) break;
  }
  if (media == nullptr) {
    report("Content-Type '" + std::string(type_header) + "' is not declared (declared: " + join(declared) + ")");
    return errors;
  }
  if (!is_json_media_type(media_type)) return errors;  // only JSON bodies are checked

  json document;
  try {
    document = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    report(std::string("body is not JSON (") + e.what() + "): " + shorten(body));
    return errors;
  }
  if (media->schema) {
    for (const auto& problem : run_schema(*media->schema, document)) report("body " + problem);
  }
  if (media_type == "application/problem+json" && document.is_object()) {
    const auto member = document.find("status");
    if (member != document.end() && member->is_number_integer() && member->get<long long>() != status) {
      report("problem member status " + member->dump() + " differs from the HTTP status");
    }
  }
  return errors;
}

std::vector<std::string> OpenApiValidator::check_examples() const {
  std::vector<std::string> errors;
  for (const ExampleCheck& check : impl_->examples) {
    for (const auto& problem : run_schema(check.schema, check.value)) {
      errors.push_back(impl_->source + ": " + check.where + ": " + problem);
    }
  }
  return errors;
}

const nlohmann::json& OpenApiValidator::document() const { return impl_->document; }

const std::string& OpenApiValidator::source() const { return impl_->source; }

}  // namespace octopus::testing
