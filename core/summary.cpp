#include "core/summary.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/error.hpp"

namespace shop {
namespace {

void append_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", value);
}

void append_value(std::string& out, const Summary::Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_json_string(out, v);
        } else if constexpr (std::is_same_v<T, double>) {
          append_number(out, v);
        } else {
          fmt::format_to(std::back_inserter(out), "{}", v);
        }
      },
      value);
}

double to_ms(std::chrono::nanoseconds value) { return static_cast<double>(value.count()) / 1e6; }

}  // namespace

Summary& Summary::set(std::string_view key, Value value) {
  for (auto& [name, field] : m_fields) {
    if (name == key) {
      field = std::move(value);
      return *this;
    }
  }
  m_fields.emplace_back(std::string(key), std::move(value));
  return *this;
}

Summary& Summary::set_latency(std::string_view key, const LatencyHistogram& histogram) {
  Latency latency{to_ms(histogram.percentile(0.50)), to_ms(histogram.percentile(0.90)),
                  to_ms(histogram.percentile(0.99)), to_ms(histogram.max()), histogram.count()};
  const std::string name = std::string(key) + "_ms";
  for (auto& [existing, field] : m_fields) {
    if (existing == name) {
      field = latency;
      return *this;
    }
  }
  m_fields.emplace_back(name, latency);
  return *this;
}

const Summary::Value* Summary::find(std::string_view key) const {
  for (const auto& [name, field] : m_fields) {
    if (name == key) return std::get_if<Value>(&field);
  }
  return nullptr;
}

std::string Summary::to_json() const {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, field] : m_fields) {
    if (!first) out += ", ";
    first = false;
    append_json_string(out, name);
    out += ": ";
    if (const auto* value = std::get_if<Value>(&field)) {
      append_value(out, *value);
    } else {
      const auto& latency = std::get<Latency>(field);
      out += "{\"p50\": ";
      append_number(out, latency.p50_ms);
      out += ", \"p90\": ";
      append_number(out, latency.p90_ms);
      out += ", \"p99\": ";
      append_number(out, latency.p99_ms);
      out += ", \"max\": ";
      append_number(out, latency.max_ms);
      fmt::format_to(std::back_inserter(out), ", \"count\": {}}}", latency.count);
    }
  }
  out += "}\n";
  return out;
}

void Summary::write_json_file(const std::string& path) const {
  const std::string temporary = path + ".tmp";
  const std::string json = to_json();
  std::FILE* file = std::fopen(temporary.c_str(), "w");
  if (file == nullptr) {
    throw Error(fmt::format("--summary-json: cannot write {} ({})", path, std::strerror(errno)));
  }
  const bool written = std::fwrite(json.data(), 1, json.size(), file) == json.size();
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    std::remove(temporary.c_str());
    throw Error(fmt::format("--summary-json: cannot write {} ({})", path, std::strerror(saved)));
  }
}

}  // namespace shop
