#pragma once
// The final summary of a run as ordered key/value fields: printed for people by the tool,
// written as one JSON object by --summary-json for scripts and benchmarks.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/histogram.hpp"
#include "core/json_text.hpp"  // append_json_string, for the tools that write summaries

namespace shop {

class Summary {
 public:
  using Value = std::variant<bool, int64_t, uint64_t, double, std::string>;

  // Adds or replaces a field; fields keep the order of their first addition.
  Summary& set(std::string_view key, Value value);
  // Adds "<key>_ms": {"p50": .., "p90": .., "p99": .., "max": .., "count": ..}.
  Summary& set_latency(std::string_view key, const LatencyHistogram& histogram);

  [[nodiscard]] const Value* find(std::string_view key) const;
  // One JSON object on one line, ending with '\n'.
  [[nodiscard]] std::string to_json() const;
  // Writes to_json() to `path` atomically (temporary file + rename); throws Error.
  void write_json_file(const std::string& path) const;

 private:
  struct Latency {
    double p50_ms, p90_ms, p99_ms, max_ms;
    uint64_t count;
  };
  using Field = std::variant<Value, Latency>;
  std::vector<std::pair<std::string, Field>> m_fields;
};

}  // namespace shop
