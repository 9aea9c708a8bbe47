//! Reading memory that may not be there. A future's held locals can name memory that is
//! gone: rustc keeps a local in a `SuspendN` variant while its storage is live, even after
//! the value was moved out (into the awaited future, which may have freed it). Following
//! such a pointer with a plain load reads freed bytes, or faults when the allocator gave
//! the pages back. Every read here goes through the kernel instead (`process_vm_readv` on
//! the process's own pid, else `pread` on `/proc/self/mem`), which answers an unmapped
//! address with an error rather than a signal.
//!
//! [`Mem`] keeps copies of the regions read during one reading of a task's futures, so a
//! value is read once and then interpreted from the copy.

use std::ops::Range;

/// The most bytes copied in one region: larger futures are read a scalar at a time.
const MAX_REGION: usize = 64 * 1024;

/// Copies of memory read during one reading, reused (no allocation once warm).
#[derive(Debug, Default)]
pub(crate) struct Mem {
    /// Start address and range in `bytes` of each region read.
    regions: Vec<(usize, Range<usize>)>,
    bytes: Vec<u8>,
    /// Once sealed, nothing more is read: what was not copied is not there.
    sealed: bool,
    /// The task's own future: live, pinned, read in place rather than copied.
    own: Option<(usize, usize)>,
}

impl Mem {
    /// Forgets every region (keeping the buffers).
    pub fn clear(&mut self) {
        self.regions.clear();
        self.bytes.clear();
        self.sealed = false;
        self.own = None;
    }

    /// Stops reading memory: later requests are answered from the copies only.
    pub fn seal(&mut self) {
        self.sealed = true;
    }

    /// Copies `len` bytes at `addr` (at most [`MAX_REGION`]); false if any of them cannot
    /// be read.
    pub fn map(&mut self, addr: usize, len: usize) -> bool {
        let len = len.min(MAX_REGION);
        if len == 0 || self.find(addr, len).is_some() {
            return true;
        }
        if self.sealed {
            return false;
        }
        let start = self.bytes.len();
        self.bytes.resize(start + len, 0);
        if read(addr, &mut self.bytes[start..]) {
            self.regions.push((addr, start..start + len));
            true
        } else {
            self.bytes.truncate(start);
            false
        }
    }

    /// Marks `len` bytes at `addr` as the task's own future: its scalars are read in
    /// place (as plain loads, with no copy and no system call per poll). Pointers found
    /// in it are still followed only through the fault-tolerant reads.
    ///
    /// # Safety
    ///
    /// `len` bytes at `addr` must be a live value that nothing writes until the next
    /// [`clear`](Self::clear).
    pub unsafe fn own(&mut self, addr: usize, len: usize) {
        self.own = Some((addr, len));
    }

    /// True if `len` bytes at `addr` lie inside the task's own future.
    pub fn is_own(&self, addr: usize, len: usize) -> bool {
        self.own.is_some_and(|(start, own_len)| {
            addr >= start && addr.checked_add(len).is_some_and(|e| e <= start + own_len)
        })
    }

    /// The `len` bytes at `addr`, from a region read before, or read now.
    pub fn bytes(&mut self, addr: usize, len: usize) -> Option<&[u8]> {
        if self.find(addr, len).is_none() && !self.map(addr, len) {
            return None;
        }
        let at = self.find(addr, len)?;
        self.bytes.get(at..at + len)
    }

    /// An unsigned integer of `size` bytes (1, 2, 4, 8 or 16) at `addr`, in the machine's
    /// byte order.
    pub fn uint(&mut self, addr: usize, size: u64) -> Option<u128> {
        let size = size as usize;
        if !matches!(size, 1 | 2 | 4 | 8 | 16) {
            return None;
        }
        let mut buf = [0u8; 16];
        match self.own {
            Some(_) if self.is_own(addr, size) => {
                // SAFETY: inside the task's own live future (see `own`); unaligned loads.
                unsafe {
                    std::ptr::copy_nonoverlapping(addr as *const u8, buf.as_mut_ptr(), size);
                }
            }
            _ => buf[..size].copy_from_slice(self.bytes(addr, size)?),
        }
        let value = u128::from_ne_bytes(buf);
        // On a big-endian machine the value sits in the high bytes.
        Some(if cfg!(target_endian = "big") {
            value >> (8 * (16 - size))
        } else {
            value
        })
    }

    /// A `u64` at `addr`.
    pub fn u64(&mut self, addr: usize) -> Option<u64> {
        self.uint(addr, 8).map(|v| v as u64)
    }

    /// Where in `bytes` the range `addr..addr + len` is, if a region holds all of it.
    fn find(&self, addr: usize, len: usize) -> Option<usize> {
        let end = addr.checked_add(len)?;
        self.regions.iter().find_map(|(start, range)| {
            let region_end = start + range.len();
            (addr >= *start && end <= region_end).then(|| range.start + (addr - start))
        })
    }
}

/// True if this platform reads memory without risking a fault: pointers found in held
/// locals are followed only then.
pub(crate) fn safe_reads() -> bool {
    method() != Method::None
}

/// Fills `buf` with the bytes at `addr`; false if any of them cannot be read.
pub(crate) fn read(addr: usize, buf: &mut [u8]) -> bool {
    if buf.is_empty() {
        return true;
    }
    if addr == 0 || addr.checked_add(buf.len()).is_none() {
        return false;
    }
    match method() {
        #[cfg(target_os = "linux")]
        Method::VmReadv => vm_readv(addr, buf),
        #[cfg(target_os = "linux")]
        Method::ProcMem => proc_mem(addr, buf),
        Method::None => false,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    #[cfg(target_os = "linux")]
    VmReadv,
    #[cfg(target_os = "linux")]
    ProcMem,
    None,
}

/// The way this process reads its own memory safely, found once: a sandbox may forbid
/// `process_vm_readv` (seccomp) and still allow `/proc/self/mem`, or neither.
/// `POLLSCOPE_SAFE_READS=off` makes it neither, as on a platform without them (values
/// behind pointers are then not read at all).
fn method() -> Method {
    static METHOD: std::sync::OnceLock<Method> = std::sync::OnceLock::new();
    *METHOD.get_or_init(|| {
        if std::env::var_os("POLLSCOPE_SAFE_READS").is_some_and(|v| v == "off") {
            return Method::None;
        }
        #[cfg(target_os = "linux")]
        {
            let probe: u64 = std::hint::black_box(0x5eed_1234_abcd_0042);
            let addr = &probe as *const u64 as usize;
            let works = |f: fn(usize, &mut [u8]) -> bool| {
                let mut buf = [0u8; 8];
                f(addr, &mut buf) && u64::from_ne_bytes(buf) == probe
            };
            if works(vm_readv) {
                return Method::VmReadv;
            }
            if works(proc_mem) {
                return Method::ProcMem;
            }
        }
        Method::None
    })
}

#[cfg(target_os = "linux")]
fn vm_readv(addr: usize, buf: &mut [u8]) -> bool {
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: `local` describes `buf`, which the kernel writes; `remote` is only read by
    // the kernel, which checks it against this process's mappings and answers EFAULT
    // for any page that is not readable — it never touches it from this thread.
    let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
    n >= 0 && n as usize == buf.len()
}

#[cfg(target_os = "linux")]
fn proc_mem(addr: usize, buf: &mut [u8]) -> bool {
    use std::os::unix::fs::FileExt;
    static FILE: std::sync::OnceLock<Option<std::fs::File>> = std::sync::OnceLock::new();
    let Some(file) = FILE
        .get_or_init(|| std::fs::File::open("/proc/self/mem").ok())
        .as_ref()
    else {
        return false;
    };
    // An offset beyond `i64::MAX` is no address of this process.
    if i64::try_from(addr).is_err() {
        return false;
    }
    file.read_exact_at(buf, addr as u64).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_value_reads_back_and_an_unmapped_page_is_an_error_not_a_signal() {
        let value: [u8; 5] = *b"hello";
        let mut buf = [0u8; 5];
        if !safe_reads() {
            return;
        }
        assert!(read(value.as_ptr() as usize, &mut buf));
        assert_eq!(&buf, b"hello");
        // The first page is never mapped; a page far above user space neither.
        assert!(!read(8, &mut buf));
        assert!(!read(0x7fff_ffff_f000_0000, &mut buf));
    }

    #[test]
    fn a_freed_large_buffer_is_refused() {
        if !safe_reads() {
            return;
        }
        // Over glibc's largest mmap threshold (32 MiB): mapped on its own whatever other
        // threads freed before, and unmapped when freed.
        let big = vec![0u8; 64 << 20];
        let addr = big.as_ptr() as usize;
        let mut buf = [0u8; 16];
        assert!(read(addr, &mut buf));
        drop(big);
        assert!(!read(addr, &mut buf));
    }

    #[test]
    fn regions_are_read_once_and_scalars_come_from_them() {
        let words: [u64; 3] = [1, 0x0102_0304_0506_0708, 3];
        let mut mem = Mem::default();
        if !safe_reads() {
            return;
        }
        let addr = words.as_ptr() as usize;
        assert!(mem.map(addr, 24));
        assert_eq!(mem.u64(addr + 8), Some(0x0102_0304_0506_0708));
        assert_eq!(mem.uint(addr + 8, 1), Some(0x08));
        assert_eq!(mem.regions.len(), 1);
        assert_eq!(mem.uint(addr, 3), None);
        mem.clear();
        assert!(mem.regions.is_empty());
    }
}
