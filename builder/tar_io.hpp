// Thin RAII wrappers over libarchive for the two things rigctl does with tar: read a stream entry
// by entry, and write an uncompressed pax layer while hashing it (an uncompressed layer's digest is
// also its diff id, so no second pass is needed).
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/sha256.hpp"

namespace rig {

struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using EntryPtr = std::unique_ptr<archive_entry, EntryDeleter>;

// Path of a tar entry as an absolute path: "./etc/passwd" and "etc/passwd" both give "/etc/passwd".
std::string entry_abs_path(archive_entry* e);

class TarReader {
 public:
  // Reads from fd (not owned). `label` names the stream in errors. With `hash_input`, every byte
  // read from the fd is hashed (input_sha256()), from the very first: opening already reads.
  static Result<std::unique_ptr<TarReader>> open_fd(int fd, std::string label, bool hash_input = false);
  ~TarReader();

  // Next header, nullptr at the end. The entry stays valid until the next call.
  Result<archive_entry*> next();
  Result<std::string> read_data();
  // Streams the current entry's data to `sink` in chunks, the whole file: the holes of a sparse
  // member come out as the zeros they read as, so its bytes and its size header agree.
  Status copy_data(const std::function<Status(const void*, size_t)>& sink);
  Status skip_data();
  uint64_t bytes_read() const;
  // Reads the fd to its end (after the end-of-archive marker: the record padding), through the hash.
  Status read_to_end();
  std::string input_sha256() { return in_sha_.hex(); }

 private:
  TarReader() = default;
  Error fail(const std::string& what) const;
  struct archive* a_ = nullptr;
  int fd_ = -1;
  std::string label_;
  char buf_[1 << 16];
  uint64_t bytes_ = 0;
  bool hashing_ = false;
  archive_entry* current_ = nullptr;
  Sha256 in_sha_;
  static la_ssize_t read_cb(struct archive*, void* self, const void** buf);
};

struct LayerInfo {
  std::filesystem::path path;
  std::string digest;  // "sha256:<hex>" of the uncompressed tar
  uint64_t size = 0;
};

class TarWriter {
 public:
  static Result<std::unique_ptr<TarWriter>> create(const std::filesystem::path& path);
  ~TarWriter();

  Status write_header(archive_entry* e);
  Status write_data(const void* data, size_t len);
  Status add(archive_entry* e, const std::string& data);
  Result<LayerInfo> finish();

 private:
  TarWriter() = default;
  struct archive* a_ = nullptr;
  int fd_ = -1;
  std::filesystem::path path_;
  Sha256 sha_;
  uint64_t size_ = 0;
  bool failed_ = false;
  int io_errno_ = 0;
  Error io_fail(const std::string& message) const;
  static la_ssize_t write_cb(struct archive*, void* self, const void* buf, size_t len);
};

}  // namespace rig
