#include "services/analyzer/service/confined_file_system.h"

#include <system_error>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "services/analyzer/service/paths.h"

namespace prism::service {
namespace {

std::error_code NotFound() {
  return std::make_error_code(std::errc::no_such_file_or_directory);
}

// The real file system, showing only what lies in a system header directory
// both by name and after symlinks are resolved.
class SystemHeaderFileSystem : public llvm::vfs::FileSystem {
 public:
  SystemHeaderFileSystem()
      : real_(llvm::vfs::getRealFileSystem()), working_directory_("/") {}

  llvm::ErrorOr<llvm::vfs::Status> status(const llvm::Twine& path) override {
    if (!Allowed(path)) return NotFound();
    return real_->status(Absolute(path));
  }

  llvm::ErrorOr<std::unique_ptr<llvm::vfs::File>> openFileForRead(
      const llvm::Twine& path) override {
    if (!Allowed(path)) return NotFound();
    return real_->openFileForRead(Absolute(path));
  }

  llvm::vfs::directory_iterator dir_begin(const llvm::Twine& path,
                                          std::error_code& error) override {
    if (!Allowed(path)) {
      error = NotFound();
      return llvm::vfs::directory_iterator();
    }
    return real_->dir_begin(Absolute(path), error);
  }

  std::error_code setCurrentWorkingDirectory(const llvm::Twine& path) override {
    working_directory_ = Absolute(path);
    return {};
  }

  llvm::ErrorOr<std::string> getCurrentWorkingDirectory() const override {
    return working_directory_;
  }

  std::error_code getRealPath(
      const llvm::Twine& path,
      llvm::SmallVectorImpl<char>& output) const override {
    if (!Allowed(path)) return NotFound();
    return real_->getRealPath(Absolute(path), output);
  }

  std::error_code isLocal(const llvm::Twine& path, bool& result) override {
    if (!Allowed(path)) return NotFound();
    return real_->isLocal(Absolute(path), result);
  }

 private:
  std::string Absolute(const llvm::Twine& path) const {
    return NormalizePath(path.str(), working_directory_);
  }

  bool Allowed(const llvm::Twine& path) const {
    const std::string absolute = Absolute(path);
    if (!IsInSystemHeaderDirectory(absolute)) return false;
    llvm::SmallString<256> resolved;
    if (llvm::sys::fs::real_path(absolute, resolved)) return false;
    return IsInSystemHeaderDirectory(std::string(resolved.str()));
  }

  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> real_;
  std::string working_directory_;
};

}  // namespace

llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> MakeConfinedFileSystem(
    const std::map<std::string, std::string>& files,
    const std::string& directory) {
  llvm::IntrusiveRefCntPtr<llvm::vfs::InMemoryFileSystem> uploaded(
      new llvm::vfs::InMemoryFileSystem());
  for (const auto& [path, contents] : files) {
    uploaded->addFile(path, /*ModificationTime=*/0,
                      llvm::MemoryBuffer::getMemBufferCopy(contents, path));
  }
  llvm::IntrusiveRefCntPtr<llvm::vfs::OverlayFileSystem> overlay(
      new llvm::vfs::OverlayFileSystem(new SystemHeaderFileSystem()));
  overlay->pushOverlay(uploaded);
  overlay->setCurrentWorkingDirectory(directory);
  return overlay;
}

}  // namespace prism::service
