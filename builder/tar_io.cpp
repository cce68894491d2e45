#include "builder/tar_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/interrupt.hpp"

namespace rig {

std::string entry_abs_path(archive_entry* e) {
  const char* p = archive_entry_pathname(e);
  std::string s = p ? p : "";
  if (s.starts_with("./")) s.erase(0, 1);
  else if (s == ".") s = "/";
  if (s.empty() || s[0] != '/') s.insert(s.begin(), '/');
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// ---- reader ----

la_ssize_t TarReader::read_cb(struct archive* a, void* self, const void** buf) {
  auto* r = static_cast<TarReader*>(self);
  for (;;) {
    if (interrupted()) {
      archive_set_error(a, EINTR, "interrupted");
      return -1;
    }
    ssize_t n = ::read(r->fd_, r->buf_, sizeof r->buf_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      archive_set_error(a, errno, "read: %s", std::strerror(errno));
      return -1;
    }
    r->bytes_ += static_cast<uint64_t>(n);
    if (r->hashing_) r->in_sha_.update(r->buf_, static_cast<size_t>(n));
    *buf = r->buf_;
    return n;
  }
}

Result<std::unique_ptr<TarReader>> TarReader::open_fd(int fd, std::string label, bool hash_input) {
  std::unique_ptr<TarReader> r(new TarReader());
  r->fd_ = fd;
  r->hashing_ = hash_input;
  r->label_ = std::move(label);
  r->a_ = archive_read_new();
  archive_read_support_format_tar(r->a_);
  archive_read_support_format_gnutar(r->a_);
  if (archive_read_open(r->a_, r.get(), nullptr, &TarReader::read_cb, nullptr) != ARCHIVE_OK)
    return r->fail("cannot open");
  return r;
}

TarReader::~TarReader() {
  if (a_) archive_read_free(a_);
}

Error TarReader::fail(const std::string& what) const {
  if (interrupted()) return interrupted_error();
  const char* msg = a_ ? archive_error_string(a_) : nullptr;
  return internal_error("read tar '" + label_ + "': " + what + (msg ? std::string(": ") + msg : ""));
}

Result<archive_entry*> TarReader::next() {
  archive_entry* e = nullptr;
  int rc = archive_read_next_header(a_, &e);
  current_ = nullptr;
  if (rc == ARCHIVE_EOF) return static_cast<archive_entry*>(nullptr);
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return fail("bad header");
  current_ = e;
  return e;
}

Status TarReader::copy_data(const std::function<Status(const void*, size_t)>& sink) {
  // archive_read_data fills a sparse member's holes with zeros itself (blocks are handed out in
  // order and only up to the size the map declares), unlike archive_read_data_block.
  static thread_local char buf[1 << 16];
  uint64_t at = 0;
  for (;;) {
    la_ssize_t n = archive_read_data(a_, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) return fail("bad data");
    RIG_CHECK(sink(buf, static_cast<size_t>(n)));
    at += static_cast<uint64_t>(n);
  }
  // archive_read_data also pads a hole at the end, so the data is exactly as long as the header
  // says. Anything else is a garbled sparse map: written out, the member would not match its own
  // header and the layer could not be read back.
  if (archive_entry_size_is_set(current_) != 0 && at != static_cast<uint64_t>(archive_entry_size(current_)))
    return fail("member has " + std::to_string(at) + " bytes of data but its header says " +
                std::to_string(archive_entry_size(current_)) + " (a garbled sparse map?)");
  return ok();
}

Status TarReader::read_to_end() {
  for (;;) {
    if (interrupted()) return interrupted_error();
    ssize_t n = ::read(fd_, buf_, sizeof buf_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return internal_error("read tar '" + label_ + "': " + std::strerror(errno));
    if (n == 0) return ok();
    bytes_ += static_cast<uint64_t>(n);
    if (hashing_) in_sha_.update(buf_, static_cast<size_t>(n));
  }
}

Result<std::string> TarReader::read_data() {
  std::string out;
  RIG_CHECK(copy_data([&](const void* d, size_t n) {
    out.append(static_cast<const char*>(d), n);
    return ok();
  }));
  return out;
}

Status TarReader::skip_data() {
  if (archive_read_data_skip(a_) != ARCHIVE_OK) return fail("bad data");
  return ok();
}

uint64_t TarReader::bytes_read() const { return bytes_; }

// ---- writer ----

la_ssize_t TarWriter::write_cb(struct archive* a, void* self, const void* buf, size_t len) {
  auto* w = static_cast<TarWriter*>(self);
  w->sha_.update(buf, len);
  size_t off = 0;
  while (off < len) {
    ssize_t n = ::write(w->fd_, static_cast<const char*>(buf) + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      w->io_errno_ = errno;
      archive_set_error(a, errno, "write: %s", std::strerror(errno));
      return -1;
    }
    off += static_cast<size_t>(n);
  }
  w->size_ += len;
  return static_cast<la_ssize_t>(len);
}

Result<std::unique_ptr<TarWriter>> TarWriter::create(const std::filesystem::path& path) {
  std::unique_ptr<TarWriter> w(new TarWriter());
  w->path_ = path;
  w->fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd_ < 0) return internal_error("cannot create '" + path.string() + "': " + std::strerror(errno));
  w->a_ = archive_write_new();
  // pax only where needed (xattrs, long names): plain ustar headers elsewhere keep layers small.
  archive_write_set_format_pax_restricted(w->a_);
  if (archive_write_open(w->a_, w.get(), nullptr, &TarWriter::write_cb, nullptr) != ARCHIVE_OK)
    return internal_error("cannot start tar '" + path.string() + "': " + archive_error_string(w->a_));
  return w;
}

TarWriter::~TarWriter() {
  if (a_) archive_write_free(a_);
  if (fd_ >= 0) ::close(fd_);
}

Error TarWriter::io_fail(const std::string& message) const {
  // A full disk is the user's to fix, and says where.
  if (io_errno_ == ENOSPC || io_errno_ == EDQUOT) {
    auto dir = path_.parent_path();  // the staging dir goes with the error: name where it lives
    while (dir.has_parent_path() && dir != dir.parent_path() && dir.filename().string().find(".tmp-") != std::string::npos)
      dir = dir.parent_path();
    return internal_error(message, "free space there (df -h " + dir.string() + ") and run again");
  }
  return internal_error(message);
}

Status TarWriter::write_header(archive_entry* e) {
  if (archive_write_header(a_, e) < ARCHIVE_WARN) {
    failed_ = true;
    return io_fail("write tar '" + path_.string() + "' entry '" + entry_abs_path(e) + "': " + archive_error_string(a_));
  }
  return ok();
}

Status TarWriter::write_data(const void* data, size_t len) {
  if (len == 0) return ok();
  if (archive_write_data(a_, data, len) < 0) {
    failed_ = true;
    return io_fail("write tar '" + path_.string() + "': " + archive_error_string(a_));
  }
  return ok();
}

Status TarWriter::add(archive_entry* e, const std::string& data) {
  RIG_CHECK(write_header(e));
  return write_data(data.data(), data.size());
}

Result<LayerInfo> TarWriter::finish() {
  if (archive_write_close(a_) != ARCHIVE_OK) return io_fail("finish tar '" + path_.string() + "': " + archive_error_string(a_));
  archive_write_free(a_);
  a_ = nullptr;
  // On disk before anyone can commit it: a cache entry must not point at a layer a crash loses.
  if (::fsync(fd_) != 0) {
    io_errno_ = errno;
    return io_fail("sync '" + path_.string() + "': " + std::strerror(errno));
  }
  if (::close(fd_) != 0) {
    io_errno_ = errno;
    fd_ = -1;
    return io_fail("flush '" + path_.string() + "': " + std::strerror(io_errno_));
  }
  fd_ = -1;
  return LayerInfo{path_, "sha256:" + sha_.hex(), size_};
}

}  // namespace rig
