#include "builder/sbom.hpp"

#include "support/catch.hpp"

#include "builder/tar_pack.hpp"
#include "core/sha256.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_sbom {

using rigtest::TempDir;

TEST_CASE("sbom: dpkg's status gives the installed packages only, with their source", "[builder][sbom]") {
  auto pkgs = rig::parse_dpkg_status(
      "Package: bash\nStatus: install ok installed\nVersion: 5.2.37-2\nArchitecture: amd64\n"
      "Description: GNU Bourne Again SHell\n Bash is an sh-compatible command language interpreter.\n\n"
      "Package: gone\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: amd64\n\n"
      "Package: libc6\nStatus: install ok installed\nSource: glibc (2.41-6)\nVersion: 2.41-6\nArchitecture: amd64\n");
  REQUIRE(pkgs.size() == 2);
  CHECK(pkgs[0].name == "bash");
  CHECK(pkgs[0].version == "5.2.37-2");
  CHECK(pkgs[0].source.empty());
  CHECK(pkgs[0].license == "NOASSERTION");
  CHECK(pkgs[1].name == "libc6");
  CHECK(pkgs[1].source == "glibc (2.41-6)");
  CHECK(rig::parse_dpkg_status("").empty());
}

TEST_CASE("sbom: a machine-readable copyright file's licences in SPDX terms; anything unknown is NOASSERTION", "[builder][sbom]") {
  const std::string dep5 = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n";
  CHECK(rig::license_from_copyright(dep5 + "Files: *\nLicense: GPL-3+\n\nFiles: lib/*\nLicense: LGPL-2.1+\n") ==
        "GPL-3.0-or-later AND LGPL-2.1-or-later");
  CHECK(rig::license_from_copyright(dep5 + "Files: *\nLicense: GPL-2+ or Artistic\n") == "Artistic-1.0 AND GPL-2.0-or-later");
  CHECK(rig::license_from_copyright(dep5 + "Files: *\nLicense: Expat\n License text...\n") == "MIT");
  // A licence without a known SPDX id makes the whole answer unknown, never a partial guess.
  CHECK(rig::license_from_copyright(dep5 + "Files: *\nLicense: GPL-2+\n\nFiles: x\nLicense: custom-vendor\n") == "NOASSERTION");
  CHECK(rig::license_from_copyright("This package was debianized by someone.\nIt is GPL.\n") == "NOASSERTION");
  CHECK(rig::license_from_copyright("") == "NOASSERTION");
}

TEST_CASE("sbom: image_packages reads status and copyright files from the layers, later layers winning", "[builder][sbom]") {
  TempDir t;
  const std::string dep5 = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: GPL-3+\n";
  auto layer = [&](const std::string& name, const std::string& status) {
    auto tar = rig::pack_tar({{"var/lib/dpkg/", "", "", 0, 0, 0755},
                              {"var/lib/dpkg/status", "", status, 0, 0, 0644},
                              {"usr/share/doc/bash/", "", "", 0, 0, 0755},
                              {"usr/share/doc/bash/copyright", "", dep5, 0, 0, 0644}});
    REQUIRE(tar.ok());
    auto path = t / name;
    rigtest::write_text(path, *tar);
    return rig::LayerInfo{path, "sha256:" + rig::sha256_hex(*tar), tar->size()};
  };
  auto base = layer("base.tar", "Package: dash\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n");
  auto top = layer("top.tar", "Package: bash\nStatus: install ok installed\nVersion: 5.2\nArchitecture: amd64\n");
  auto pkgs = rig::image_packages({base, top});
  REQUIRE(pkgs.ok());
  REQUIRE(pkgs->size() == 1);
  CHECK(pkgs->front().name == "bash");
  CHECK(pkgs->front().license == "GPL-3.0-or-later");
}

TEST_CASE("sbom: the SPDX 2.3 document: the image contains each package, with a purl, reproducibly", "[builder][sbom]") {
  std::vector<rig::DebPackage> pkgs = {{"bash", "5.2.37-2", "amd64", "", "GPL-3.0-or-later"},
                                       {"g++-14", "1:14.2.0+1", "amd64", "gcc-14", "NOASSERTION"}};
  rig::SbomSubject s{"rigctl/debian-trixie:amd64", "sha256:" + std::string(64, 'a'), "debian", 1704067200};
  auto doc = rig::spdx_document(s, pkgs);
  CHECK(doc["spdxVersion"] == "SPDX-2.3");
  CHECK(doc["dataLicense"] == "CC0-1.0");
  CHECK(doc["SPDXID"] == "SPDXRef-DOCUMENT");
  CHECK(doc["creationInfo"]["created"] == "2024-01-01T00:00:00Z");
  CHECK(doc["documentNamespace"] == "https://rigctl.invalid/spdx/" + std::string(64, 'a'));
  REQUIRE(doc["packages"].size() == 3);
  auto& gpp = doc["packages"][2];
  CHECK(gpp["SPDXID"] == "SPDXRef-Package-deb-2-g---14");
  CHECK(gpp["externalRefs"][0]["referenceLocator"] == "pkg:deb/debian/g++-14@1%3A14.2.0%2B1?arch=amd64");
  CHECK(gpp["sourceInfo"] == "built package from: gcc-14");
  CHECK(doc["packages"][1]["licenseDeclared"] == "GPL-3.0-or-later");
  REQUIRE(doc["relationships"].size() == 3);
  CHECK(doc["relationships"][0]["relationshipType"] == "DESCRIBES");
  CHECK(doc["relationships"][2] == rigtest::json({{"spdxElementId", "SPDXRef-Image"}, {"relationshipType", "CONTAINS"},
                                                  {"relatedSpdxElement", "SPDXRef-Package-deb-2-g---14"}}));
  CHECK(rig::spdx_document(s, pkgs).dump() == doc.dump());
}

}  // namespace rigtest_builder_sbom
