// The scheduler's lock, able to say what it costs: how often it is taken, how
// often a thread found it held, how long threads waited for it and how long
// they held it. Measuring is chosen when the lock is made; unmeasured, each
// lock and unlock pays one predictable branch over std::mutex.
//
// The counters are written only by the thread holding the lock, so they need
// no synchronization of their own; read them under the lock.
#ifndef PRISM_LIB_RUNTIME_MEASURED_MUTEX_H_
#define PRISM_LIB_RUNTIME_MEASURED_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace prism {
namespace runtime {

struct LockStats {
  uint64_t acquisitions = 0;
  uint64_t contended = 0;   // Acquisitions that found the lock held.
  uint64_t wait_nanos = 0;  // From asking for the lock to holding it.
  uint64_t hold_nanos = 0;  // From holding it to releasing it (waits on a
                            // condition variable excluded).
};

class MeasuredMutex {
 public:
  explicit MeasuredMutex(bool measure) : measure_(measure) {}
  MeasuredMutex(const MeasuredMutex&) = delete;
  MeasuredMutex& operator=(const MeasuredMutex&) = delete;

  void lock() {
    if (!measure_) {
      mutex_.lock();
      return;
    }
    const int64_t asked = Now();
    bool contended = false;
    if (!mutex_.try_lock()) {
      contended = true;
      mutex_.lock();
    }
    Acquired(asked, contended);
  }

  void unlock() {
    if (measure_) Releasing();
    mutex_.unlock();
  }

  // Waits on `cv` with this lock held (as std::condition_variable::wait):
  // the time spent waiting is neither hold nor lock wait.
  void Wait(std::condition_variable& cv) {
    Blocked([&](std::unique_lock<std::mutex>& native) {
      cv.wait(native);
      return true;
    });
  }
  template <typename Predicate>
  void Wait(std::condition_variable& cv, Predicate done) {
    while (!done()) Wait(cv);
  }
  // As Wait, for at most `timeout`; false when it timed out.
  bool WaitFor(std::condition_variable& cv, std::chrono::nanoseconds timeout) {
    return Blocked([&](std::unique_lock<std::mutex>& native) {
      return cv.wait_for(native, timeout) == std::cv_status::no_timeout;
    });
  }

  bool measured() const { return measure_; }
  // Read with the lock held.
  const LockStats& stats() const { return stats_; }

 private:
  // Runs `block` (a wait on a condition variable) with the native lock held
  // by a unique_lock it may release and retake; the time blocked is neither
  // hold nor lock wait.
  template <typename Block>
  bool Blocked(Block block) {
    if (measure_) Releasing();
    std::unique_lock<std::mutex> native(mutex_, std::adopt_lock);
    const bool result = block(native);
    native.release();
    if (measure_) Acquired(Now(), false);
    return result;
  }
  static int64_t Now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void Acquired(int64_t asked, bool contended) {
    held_since_ = Now();
    ++stats_.acquisitions;
    if (contended) ++stats_.contended;
    stats_.wait_nanos += static_cast<uint64_t>(held_since_ - asked);
  }
  void Releasing() {
    stats_.hold_nanos += static_cast<uint64_t>(Now() - held_since_);
  }

  std::mutex mutex_;
  const bool measure_;
  int64_t held_since_ = 0;
  LockStats stats_;
};

}  // namespace runtime
}  // namespace prism

#endif  // PRISM_LIB_RUNTIME_MEASURED_MUTEX_H_
