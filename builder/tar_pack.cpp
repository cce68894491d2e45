#include "builder/tar_pack.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "builder/tar_io.hpp"
#include "core/fs.hpp"

namespace rig {

namespace {

struct Out {
  std::string data;
  static la_ssize_t write(struct archive*, void* self, const void* buf, size_t len) {
    static_cast<Out*>(self)->data.append(static_cast<const char*>(buf), len);
    return static_cast<la_ssize_t>(len);
  }
};

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};

}  // namespace

Result<std::string> pack_tar(const std::vector<PackEntry>& entries) {
  Out out;
  std::unique_ptr<struct archive, ArchiveFree> a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  archive_write_open(a.get(), &out, nullptr, &Out::write, nullptr);
  for (auto& e : entries) {
    bool dir = !e.name.empty() && e.name.back() == '/';
    std::string data = e.content;
    if (!dir && !e.source_path.empty()) {
      RIG_TRY(data, read_file(e.source_path));
    }
    EntryPtr ent(archive_entry_new());
    archive_entry_set_pathname(ent.get(), e.name.c_str());
    archive_entry_set_filetype(ent.get(), dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(ent.get(), e.mode);
    archive_entry_set_uid(ent.get(), e.uid);
    archive_entry_set_gid(ent.get(), e.gid);
    archive_entry_set_size(ent.get(), dir ? 0 : static_cast<la_int64_t>(data.size()));
    if (archive_write_header(a.get(), ent.get()) != ARCHIVE_OK ||
        (!dir && archive_write_data(a.get(), data.data(), data.size()) < 0))
      return internal_error("pack '" + e.name + "': " + archive_error_string(a.get()));
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return internal_error(std::string("pack tar: ") + archive_error_string(a.get()));
  return std::move(out.data);
}

}  // namespace rig
