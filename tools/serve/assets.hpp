#pragma once
// The files the pages need: built into the program (the project's HTML, CSS and JS from
// tools/serve/web/, and Chart.js from Debian's libjs-chart.js at build time), or, with
// --assets DIR, read from DIR first (to work on the pages without rebuilding).
// Only flat names (request_target.hpp, is_asset_name) are looked up, and a file in DIR
// is opened relative to DIR without following a symbolic link, so nothing outside DIR
// is ever read.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace shop::serve {

struct Asset {
  std::string_view content;  // into `file`, or a built-in file (no copy)
  std::string_view content_type;
  std::shared_ptr<const std::string> file;  // read from --assets
};

// The Content-Type for a file name, by its extension.
[[nodiscard]] std::string_view content_type_for(std::string_view name) noexcept;

class Assets {
 public:
  // `directory` "": built-in files only. Throws UsageError when it is not a directory.
  explicit Assets(const std::string& directory);
  ~Assets();
  Assets(const Assets&) = delete;
  Assets& operator=(const Assets&) = delete;

  // nullopt: no such asset (or not a flat name).
  [[nodiscard]] std::optional<Asset> find(std::string_view name) const;

 private:
  int m_directory_fd = -1;
};

}  // namespace shop::serve
