#include "assets.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "request_target.hpp"

namespace shop::serve {

// Built in by CMake (shop_embed_file): the files of tools/serve/web/ and Chart.js.
extern const std::string_view k_dashboard_html;
extern const std::string_view k_product_html;
extern const std::string_view k_shop_js;
extern const std::string_view k_dashboard_js;
extern const std::string_view k_product_js;
extern const std::string_view k_style_css;
extern const std::string_view k_chart_js;

namespace {

struct BuiltIn {
  std::string_view name;
  const std::string_view* content;
};

constexpr BuiltIn k_built_in[] = {
    {"dashboard.html", &k_dashboard_html}, {"product.html", &k_product_html}, {"shop.js", &k_shop_js},
    {"dashboard.js", &k_dashboard_js},     {"product.js", &k_product_js},     {"style.css", &k_style_css},
    {"chart.min.js", &k_chart_js},
};

bool ends_with(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view content_type_for(std::string_view name) noexcept {
  if (ends_with(name, ".html")) return "text/html; charset=utf-8";
  if (ends_with(name, ".js")) return "text/javascript; charset=utf-8";
  if (ends_with(name, ".css")) return "text/css; charset=utf-8";
  if (ends_with(name, ".json")) return "application/json";
  if (ends_with(name, ".svg")) return "image/svg+xml";
  if (ends_with(name, ".png")) return "image/png";
  if (ends_with(name, ".ico")) return "image/x-icon";
  if (ends_with(name, ".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

Assets::Assets(const std::string& directory) {
  if (directory.empty()) return;
  m_directory_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (m_directory_fd < 0) {
    throw UsageError(fmt::format("--assets: {}: {}", directory, std::strerror(errno)));
  }
}

Assets::~Assets() {
  if (m_directory_fd >= 0) ::close(m_directory_fd);
}

std::optional<Asset> Assets::find(std::string_view name) const {
  if (!is_asset_name(name)) return std::nullopt;
  if (m_directory_fd >= 0) {
    const std::string file(name);
    const int fd = ::openat(m_directory_fd, file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
      struct stat info {};
      std::optional<Asset> asset;
      if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
        std::string content(static_cast<size_t>(info.st_size), '\0');
        size_t done = 0;
        while (done < content.size()) {
          const ssize_t got = ::read(fd, content.data() + done, content.size() - done);
          if (got <= 0) break;
          done += static_cast<size_t>(got);
        }
        content.resize(done);
        auto stored = std::make_shared<const std::string>(std::move(content));
        asset = Asset{*stored, content_type_for(name), stored};
      }
      ::close(fd);
      if (asset) return asset;
    }
  }
  for (const auto& built_in : k_built_in) {
    if (built_in.name == name) return Asset{*built_in.content, content_type_for(name), nullptr};
  }
  return std::nullopt;
}

}  // namespace shop::serve
