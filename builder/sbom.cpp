#include "builder/sbom.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "builder/oci.hpp"
#include "core/text.hpp"

namespace rig {

namespace {

constexpr const char* kStatusPath = "/var/lib/dpkg/status";
constexpr size_t kMaxCopyrightBytes = 1 << 20;

// Debian's short licence names (copyright-format 1.0, "License specification") and the SPDX ids they
// stand for. A name not listed here is not guessed at.
const std::map<std::string, std::string>& debian_to_spdx() {
  static const std::map<std::string, std::string> m = {
      {"apache-2.0", "Apache-2.0"},       {"artistic", "Artistic-1.0"},          {"artistic-2.0", "Artistic-2.0"},
      {"bsd-2-clause", "BSD-2-Clause"},   {"bsd-3-clause", "BSD-3-Clause"},      {"bsd-4-clause", "BSD-4-Clause"},
      {"cc0-1.0", "CC0-1.0"},             {"expat", "MIT"},                      {"mit", "MIT"},
      {"gpl-1", "GPL-1.0-only"},          {"gpl-1+", "GPL-1.0-or-later"},        {"gpl-2", "GPL-2.0-only"},
      {"gpl-2+", "GPL-2.0-or-later"},     {"gpl-2.0", "GPL-2.0-only"},           {"gpl-2.0+", "GPL-2.0-or-later"},
      {"gpl-3", "GPL-3.0-only"},          {"gpl-3+", "GPL-3.0-or-later"},        {"gpl-3.0", "GPL-3.0-only"},
      {"gpl-3.0+", "GPL-3.0-or-later"},   {"lgpl-2", "LGPL-2.0-only"},           {"lgpl-2+", "LGPL-2.0-or-later"},
      {"lgpl-2.1", "LGPL-2.1-only"},      {"lgpl-2.1+", "LGPL-2.1-or-later"},    {"lgpl-3", "LGPL-3.0-only"},
      {"lgpl-3+", "LGPL-3.0-or-later"},   {"isc", "ISC"},                        {"zlib", "Zlib"},
      {"mpl-1.1", "MPL-1.1"},             {"mpl-2.0", "MPL-2.0"},                {"gfdl-1.2+", "GFDL-1.2-or-later"},
      {"gfdl-1.3+", "GFDL-1.3-or-later"}, {"openssl", "OpenSSL"},                {"curl", "curl"},
      {"x11", "X11"},                     {"python-2.0", "Python-2.0"},          {"psf-2", "PSF-2.0"}};
  return m;
}

// An SPDX id for a package: letters, digits, '.' and '-' only (SPDX 2.3, 7.2).
std::string spdx_id(const std::string& prefix, size_t index, const std::string& name) {
  std::string id = prefix + std::to_string(index) + "-";
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '-';
  return id;
}

}  // namespace

std::vector<DebPackage> parse_dpkg_status(const std::string& text) {
  std::vector<DebPackage> out;
  std::map<std::string, std::string> fields;
  auto flush = [&] {
    if (fields.count("Package") && fields["Status"] == "install ok installed")
      out.push_back({fields["Package"], fields["Version"], fields["Architecture"], fields["Source"], "NOASSERTION"});
    fields.clear();
  };
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) {
      flush();
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') continue;  // a continuation of a multi-line field
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    fields[line.substr(0, colon)] = trim(line.substr(colon + 1));
  }
  flush();
  return out;
}

std::string license_from_copyright(const std::string& text) {
  std::istringstream in(text);
  std::string first;
  std::getline(in, first);
  // Only the machine-readable format states licences as data; a free-form file is prose.
  if (first.rfind("Format:", 0) != 0) return "NOASSERTION";
  std::set<std::string> ids;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("License:", 0) != 0) continue;
    std::string value = trim(line.substr(8));
    if (value.empty()) continue;
    // "GPL-2+ or Artistic", "LGPL-2.1+ and BSD-3-clause": each name must be known, or nothing is said.
    std::istringstream words(value);
    for (std::string w; words >> w;) {
      std::string l = to_lower(w);
      if (l == "or" || l == "and" || l == "with") continue;
      while (!l.empty() && (l.back() == ',' || l.back() == ')')) l.pop_back();
      while (!l.empty() && l.front() == '(') l.erase(0, 1);
      auto it = debian_to_spdx().find(l);
      if (it == debian_to_spdx().end()) return "NOASSERTION";
      ids.insert(it->second);
    }
  }
  if (ids.empty()) return "NOASSERTION";
  // Every licence named somewhere in the file applies to some part of the package: AND, not a choice.
  std::vector<std::string> v(ids.begin(), ids.end());
  return join(v, " AND ");
}

Result<std::vector<DebPackage>> image_packages(const std::vector<LayerInfo>& layers) {
  std::string status;
  std::map<std::string, std::string> copyright;  // package -> text
  for (auto& l : layers) {
    int fd = ::open(l.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return internal_error("cannot open layer '" + l.path.string() + "' for the SBOM");
    auto reader = TarReader::open_fd(fd, l.path.string());
    if (!reader) {
      ::close(fd);
      return std::move(reader).error();
    }
    Status st = ok();
    for (;;) {
      auto e = (*reader)->next();
      if (!e) {
        st = std::move(e).error();
        break;
      }
      if (!*e) break;
      std::string path = entry_abs_path(*e);
      bool regular = archive_entry_filetype(*e) == AE_IFREG;
      const std::string doc = "/usr/share/doc/";
      if (regular && path == kStatusPath) {
        auto t = (*reader)->read_data();
        if (!t) { st = std::move(t).error(); break; }
        status = std::move(*t);
      } else if (regular && path.rfind(doc, 0) == 0 && path.size() > doc.size() + 10 &&
                 path.compare(path.size() - 10, 10, "/copyright") == 0 &&
                 path.find('/', doc.size()) == path.size() - 10 &&
                 archive_entry_size(*e) <= static_cast<la_int64_t>(kMaxCopyrightBytes)) {
        auto t = (*reader)->read_data();
        if (!t) { st = std::move(t).error(); break; }
        copyright[path.substr(doc.size(), path.size() - 10 - doc.size())] = std::move(*t);
      }
    }
    ::close(fd);
    RIG_CHECK(std::move(st).context("SBOM: read layer " + l.digest));
  }
  auto packages = parse_dpkg_status(status);
  for (auto& p : packages)
    if (auto it = copyright.find(p.name); it != copyright.end()) p.license = license_from_copyright(it->second);
  return packages;
}

json spdx_document(const SbomSubject& s, const std::vector<DebPackage>& packages) {
  const std::string hex = digest_hex(s.manifest_digest);
  json pkgs = json::array(), rels = json::array();
  pkgs.push_back({{"SPDXID", "SPDXRef-Image"},
                  {"name", s.image_name},
                  {"versionInfo", s.manifest_digest},
                  {"downloadLocation", "NOASSERTION"},
                  {"filesAnalyzed", false},
                  {"primaryPackagePurpose", "CONTAINER"},
                  {"licenseConcluded", "NOASSERTION"},
                  {"licenseDeclared", "NOASSERTION"},
                  {"copyrightText", "NOASSERTION"},
                  {"checksums", json::array({{{"algorithm", "SHA256"}, {"checksumValue", hex}}})}});
  rels.push_back({{"spdxElementId", "SPDXRef-DOCUMENT"}, {"relationshipType", "DESCRIBES"}, {"relatedSpdxElement", "SPDXRef-Image"}});
  for (size_t i = 0; i < packages.size(); ++i) {
    auto& p = packages[i];
    std::string id = spdx_id("SPDXRef-Package-deb-", i + 1, p.name);
    std::string purl = "pkg:deb/" + s.distro + "/" + p.name + "@" + url_escape(p.version) + "?arch=" + url_escape(p.architecture);
    json pkg = {{"SPDXID", id},
                {"name", p.name},
                {"versionInfo", p.version},
                {"downloadLocation", "NOASSERTION"},
                {"filesAnalyzed", false},
                {"primaryPackagePurpose", "LIBRARY"},
                {"licenseConcluded", "NOASSERTION"},
                {"licenseDeclared", p.license},
                {"copyrightText", "NOASSERTION"},
                {"externalRefs", json::array({{{"referenceCategory", "PACKAGE-MANAGER"}, {"referenceType", "purl"}, {"referenceLocator", purl}}})}};
    if (!p.source.empty()) pkg["sourceInfo"] = "built package from: " + p.source;
    pkgs.push_back(pkg);
    rels.push_back({{"spdxElementId", "SPDXRef-Image"}, {"relationshipType", "CONTAINS"}, {"relatedSpdxElement", id}});
  }
  return {{"spdxVersion", "SPDX-2.3"},
          {"dataLicense", "CC0-1.0"},
          {"SPDXID", "SPDXRef-DOCUMENT"},
          {"name", s.image_name},
          {"documentNamespace", "https://rigctl.invalid/spdx/" + hex},
          {"creationInfo", {{"created", rfc3339(s.created)}, {"creators", json::array({std::string("Tool: rigctl-") + RIGCTL_VERSION})}}},
          {"packages", pkgs},
          {"relationships", rels}};
}

}  // namespace rig
