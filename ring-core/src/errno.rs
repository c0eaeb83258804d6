//! [`Errno`]: a kernel error number, as returned (negated) by the io_uring syscalls and in
//! [`Cqe::res`](crate::abi::Cqe::res).

use core::fmt;

/// A Linux error number (positive). Kernel results reach the caller as `Errno`, never as a
/// panic.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $val:literal, $text:literal;)*) => {
        impl Errno {
            $(#[doc = $text] pub const $name: Errno = Errno($val);)*

            /// The symbolic name (`"EINVAL"`), if this is one of the named constants.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 { $($val => Some(stringify!($name)),)* _ => None }
            }

            /// A short description, if this is one of the named constants.
            pub const fn description(self) -> Option<&'static str> {
                match self.0 { $($val => Some($text),)* _ => None }
            }
        }
    };
}

// The generic Linux (asm-generic) numbers, which x86, arm and riscv share.
errnos! {
    EPERM = 1, "operation not permitted";
    ENOENT = 2, "no such file or directory";
    EINTR = 4, "interrupted system call";
    EIO = 5, "I/O error";
    EBADF = 9, "bad file descriptor";
    EAGAIN = 11, "resource temporarily unavailable";
    ENOMEM = 12, "out of memory";
    EFAULT = 14, "bad address";
    EBUSY = 16, "device or resource busy";
    EEXIST = 17, "file exists";
    ENXIO = 6, "no such device or address";
    EINVAL = 22, "invalid argument";
    ENFILE = 23, "too many open files in system";
    EMFILE = 24, "too many open files";
    ENOSPC = 28, "no space left on device";
    EPIPE = 32, "broken pipe";
    ERANGE = 34, "result out of range";
    ENOSYS = 38, "function not implemented";
    ETIME = 62, "timer expired";
    EOVERFLOW = 75, "value too large for defined data type";
    EBADFD = 77, "file descriptor in bad state";
    EOPNOTSUPP = 95, "operation not supported";
    ETIMEDOUT = 110, "connection timed out";
    ECANCELED = 125, "operation canceled";
    EOWNERDEAD = 130, "owner died";
    EBADR = 53, "invalid request descriptor";
}

impl Errno {
    /// Splits a raw syscall or CQE result: non-negative is a value, negative is `-errno`.
    #[inline]
    pub const fn result(ret: i32) -> Result<u32, Errno> {
        if ret < 0 {
            Err(Errno(ret.wrapping_neg()))
        } else {
            Ok(ret as u32)
        }
    }

    /// The raw (positive) error number.
    pub const fn raw(self) -> i32 {
        self.0
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "Errno({n})"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name(), self.description()) {
            (Some(n), Some(d)) => write!(f, "{n}: {d}"),
            _ => write!(f, "errno {}", self.0),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_splits_sign() {
        assert_eq!(Errno::result(5), Ok(5));
        assert_eq!(Errno::result(0), Ok(0));
        assert_eq!(Errno::result(-22), Err(Errno::EINVAL));
        assert_eq!(Errno::result(i32::MIN), Err(Errno(i32::MIN)));
    }

    #[test]
    fn names_and_display() {
        assert_eq!(Errno::ETIME.name(), Some("ETIME"));
        assert_eq!(std::format!("{}", Errno::EBADF), "EBADF: bad file descriptor");
        assert_eq!(std::format!("{:?}", Errno(4095)), "Errno(4095)");
    }
}
